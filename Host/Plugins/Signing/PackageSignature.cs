using System.Security.Cryptography;
using System.Text.Json;

namespace Switchboard.Host.Plugins.Signing;

/// <summary>Whether a package is signed, by whom, and whether the signature holds.</summary>
public enum SignatureState
{
    Unsigned,
    /// <summary>Valid, by a key in the trust store.</summary>
    Trusted,
    /// <summary>Valid, but by a key the trust store does not hold.</summary>
    Untrusted,
    /// <summary>Does not match the files (tampered after signing) or is malformed: always refused.</summary>
    Invalid,
}

/// <summary>The verdict on a package's signature; <see cref="Detail"/> is the sentence shown to the operator.</summary>
public sealed record SignatureCheck(SignatureState State, string? KeyId, string Detail)
{
    public override string ToString() => Detail;
}

/// <summary>
/// <c>signature.json</c>: ECDSA P-256 / SHA-256 over <see cref="PackageDigest.Canonical(PluginPackage)"/>, with the
/// signer's public key (so tampering is caught whether or not the key is trusted) and per-file hashes (so a
/// failure names the file that changed). Trust comes only from the key id being in the operator's trust store.
/// </summary>
public sealed record PackageSignature(string KeyId, byte[] PublicKey, byte[] Signature, IReadOnlyDictionary<string, string> Files)
{
    public const string Algorithm = "ECDSA-P256-SHA256";

    /// <summary>Signs <paramref name="package"/> with <paramref name="privateKey"/>; returns the signature.json bytes.</summary>
    public static byte[] Create(PluginPackage package, ECDsa privateKey)
    {
        var signature = privateKey.SignData(PackageDigest.Canonical(package), HashAlgorithmName.SHA256);
        var doc = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["format"] = PackageDigest.Format,
            ["algorithm"] = Algorithm,
            ["keyId"] = SigningKeys.KeyId(privateKey),
            ["publicKey"] = Convert.ToBase64String(privateKey.ExportSubjectPublicKeyInfo()),
            ["signature"] = Convert.ToBase64String(signature),
            ["files"] = new SortedDictionary<string, string>(PackageDigest.FileHashes(package), StringComparer.Ordinal),
        };
        return JsonSerializer.SerializeToUtf8Bytes(doc, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The signature, or null with the reason when signature.json is malformed.</summary>
    public static PackageSignature? Parse(byte[] utf8, out string? problem)
    {
        problem = null;
        try
        {
            using var doc = JsonDocument.Parse(utf8);
            var root = doc.RootElement;
            string? Str(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (root.ValueKind != JsonValueKind.Object) { problem = "signature.json: expected an object"; return null; }
            if (Str("format") != PackageDigest.Format) { problem = $"signature.json: $.format must be '{PackageDigest.Format}'"; return null; }
            if (Str("algorithm") != Algorithm) { problem = $"signature.json: $.algorithm must be '{Algorithm}'"; return null; }
            string? keyId = Str("keyId"), publicKey = Str("publicKey"), signature = Str("signature");
            if (keyId is null || publicKey is null || signature is null) { problem = "signature.json: keyId, publicKey and signature (strings) are required"; return null; }
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("files", out var f) && f.ValueKind == JsonValueKind.Object)
                foreach (var p in f.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.String) files[p.Name] = p.Value.GetString()!;
            return new PackageSignature(keyId, Convert.FromBase64String(publicKey), Convert.FromBase64String(signature), files);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            problem = $"signature.json is malformed: {e.Message}";
            return null;
        }
    }

    /// <summary>Checks <paramref name="package"/>'s signature against its files and <paramref name="trust"/>.</summary>
    public static SignatureCheck Check(PluginPackage package, TrustStore? trust)
    {
        if (package.Signature is not { } sig) return new SignatureCheck(SignatureState.Unsigned, null, "unsigned");
        using var key = ECDsa.Create();
        try { key.ImportSubjectPublicKeyInfo(sig.PublicKey, out _); }
        catch (CryptographicException e) { return new SignatureCheck(SignatureState.Invalid, sig.KeyId, $"signature.json: the public key is unreadable ({e.Message})"); }
        if (SigningKeys.KeyId(key) != sig.KeyId)
            return new SignatureCheck(SignatureState.Invalid, sig.KeyId, $"signature.json: key id {sig.KeyId} does not match its public key");
        if (!key.VerifyData(PackageDigest.Canonical(package), sig.Signature, HashAlgorithmName.SHA256))
            return new SignatureCheck(SignatureState.Invalid, sig.KeyId, $"signature by {sig.KeyId} does not match the package: {WhatChanged(package, sig)}");
        if (trust is not null && trust.TryGet(sig.KeyId, out _, out var file))
            return new SignatureCheck(SignatureState.Trusted, sig.KeyId, $"signed by trusted key {sig.KeyId} ({Path.GetFileName(file)})");
        return new SignatureCheck(SignatureState.Untrusted, sig.KeyId, $"signed by {sig.KeyId}, a key not in the trust store{(trust?.Directory is { } d ? $" ({d})" : "")}");
    }

    private static string WhatChanged(PluginPackage package, PackageSignature sig)
    {
        var now = PackageDigest.FileHashes(package);
        var changes = new List<string>();
        foreach (var (name, hash) in now.OrderBy(x => x.Key, StringComparer.Ordinal))
            if (!sig.Files.TryGetValue(name, out var signedHash)) changes.Add($"'{name}' was added");
            else if (signedHash != hash) changes.Add($"'{name}' was modified");
        foreach (var name in sig.Files.Keys.Order(StringComparer.Ordinal))
            if (!now.ContainsKey(name)) changes.Add($"'{name}' was removed");
        return changes.Count > 0 ? string.Join(", ", changes) + " after signing" : "the files or the signature were altered after signing";
    }
}
