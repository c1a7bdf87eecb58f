using System.Security.Cryptography;

namespace Switchboard.Host.Plugins.Signing;

/// <summary>ECDSA P-256 keys in PEM files, and the key id that names a public key (a SHA-256 fingerprint).</summary>
public static class SigningKeys
{
    /// <summary><c>sha256:</c> and the first 32 hex digits of SHA-256 over the SubjectPublicKeyInfo.</summary>
    public static string KeyId(ECDsa key) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..32];

    /// <summary>A new P-256 key pair written as <c>NAME.private.pem</c> (PKCS#8, owner read/write only) and
    /// <c>NAME.public.pem</c> in <paramref name="directory"/>; returns both paths and the key id.</summary>
    public static (string PrivatePath, string PublicPath, string KeyId) Generate(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        string priv = Path.Combine(directory, name + ".private.pem"), pub = Path.Combine(directory, name + ".public.pem");
        foreach (var p in new[] { priv, pub })
            if (File.Exists(p)) throw new IOException($"{p} already exists; not overwriting a key");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var w = new StreamWriter(priv, options)) w.Write(key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pub, key.ExportSubjectPublicKeyInfoPem());
        return (priv, pub, KeyId(key));
    }

    /// <summary>A P-256 key from a PEM file (private or public).</summary>
    public static ECDsa Read(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256 || key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                throw new CryptographicException("not a P-256 (secp256r1) key");
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new CryptographicException($"{path}: not an ECDSA P-256 key in PEM form ({e.Message})", e);
        }
    }
}
