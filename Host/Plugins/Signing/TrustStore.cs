using System.Security.Cryptography;

namespace Switchboard.Host.Plugins.Signing;

/// <summary>The vendor keys an operator trusts: every <c>*.pem</c> public key in a directory, by key id.</summary>
public sealed class TrustStore : IDisposable
{
    private readonly Dictionary<string, (ECDsa Key, string File)> _keys;

    private TrustStore(Dictionary<string, (ECDsa, string)> keys, string? directory)
    {
        _keys = keys;
        Directory = directory;
    }

    public string? Directory { get; }
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    public static TrustStore Empty { get; } = new([], null);

    /// <summary>Reads every <c>*.pem</c> in <paramref name="directory"/>; a file that is not a P-256 key is an error naming it.</summary>
    public static TrustStore Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"trust store {directory}: no such directory");
        var keys = new Dictionary<string, (ECDsa, string)>(StringComparer.Ordinal);
        foreach (var file in System.IO.Directory.GetFiles(directory, "*.pem").Order(StringComparer.Ordinal))
        {
            var key = SigningKeys.Read(file);
            keys.TryAdd(SigningKeys.KeyId(key), (key, file));
        }
        return new TrustStore(keys, directory);
    }

    public bool TryGet(string keyId, out ECDsa key, out string file)
    {
        if (_keys.TryGetValue(keyId, out var k)) { (key, file) = k; return true; }
        (key, file) = (null!, "");
        return false;
    }

    public void Dispose()
    {
        foreach (var (k, _) in _keys.Values) k.Dispose();
    }
}
