using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Host.Control;

/// <summary>
/// The control plane's bearer token: 32 random bytes (base64url), new at every start, written to a file
/// only its owner can read (0600, in a 0700 folder it creates) so that only the operator's account can
/// call the switch. The file is created fresh, never opened if it exists, so a planted file or symlink
/// cannot receive the token.
/// </summary>
internal static class TokenFile
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Write <paramref name="content"/> to <paramref name="path"/> as a new file with mode 0600 (a stale file is replaced).</summary>
    public static void WriteOwnerOnly(string path, string content)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
            else Directory.CreateDirectory(dir, OwnerOnlyFolder);
        }
        File.Delete(path); // CreateNew below: never write through an existing file or symlink
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            writer.Write(content + "\n");
        // The umask can only remove bits, but make the mode explicit in case the file system differs.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, OwnerOnlyFile);
    }

    /// <summary>Write a file others may read (the address: not a secret).</summary>
    public static void WritePublic(string path, string content)
    {
        File.Delete(path);
        File.WriteAllText(path, content + "\n");
    }

    public static string Read(string path) => File.ReadAllText(path).Trim();

    /// <summary>Constant-time: compares SHA-256 digests so neither content nor length leaks through timing.</summary>
    public static bool Matches(string presented, byte[] expectedDigest) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expectedDigest);

    public static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
