using System.IO.Compression;

namespace Switchboard.Host.Plugins;

/// <summary>
/// Reads every file of a package (a flat folder or a .zip) into memory exactly once, refusing folders,
/// links, traversal paths, duplicates and anything over the limits. Nothing is read twice: what is
/// validated, verified and loaded later are these byte arrays.
/// </summary>
internal static class PackageReader
{
    public static Dictionary<string, byte[]> Read(string path, PackageLimits limits, List<PluginProblem> problems)
    {
        if (Directory.Exists(path)) return ReadFolder(path, limits, problems);
        if (File.Exists(path)) return ReadZip(path, limits, problems);
        problems.Add(new PluginProblem(path, "no such package (expected a folder or a .zip file)"));
        return [];
    }

    private static Dictionary<string, byte[]> ReadFolder(string dir, PackageLimits limits, List<PluginProblem> problems)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long total = 0;
        FileSystemInfo[] entries;
        try { entries = new DirectoryInfo(dir).GetFileSystemInfos(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new PluginProblem(dir, $"cannot list the package folder: {e.Message}"));
            return files;
        }
        if (entries.Length > limits.MaxFiles)
        {
            problems.Add(new PluginProblem(dir, $"{entries.Length} entries; a package holds at most {limits.MaxFiles} files"));
            return files;
        }
        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            string where = Path.Combine(dir, entry.Name);
            if (entry.LinkTarget is not null) { problems.Add(new PluginProblem(where, "symbolic links are not allowed in a package")); continue; }
            if (entry is DirectoryInfo) { problems.Add(new PluginProblem(where, "sub-folders are not allowed: a package is flat (plugin.json, the listed assemblies, the model)")); continue; }
            var file = (FileInfo)entry;
            if (total + file.Length > limits.MaxTotalBytes)
            {
                problems.Add(new PluginProblem(where, $"the package exceeds {limits.MaxTotalBytes:N0} bytes"));
                return files;
            }
            try
            {
                using var s = new FileStream(where, FileMode.Open, FileAccess.Read, FileShare.Read);
                var bytes = ReadBounded(s, limits.MaxTotalBytes - total, out bool tooBig);
                if (tooBig) { problems.Add(new PluginProblem(where, $"the package exceeds {limits.MaxTotalBytes:N0} bytes")); return files; }
                total += bytes.Length;
                files[entry.Name] = bytes;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new PluginProblem(where, $"cannot read: {e.Message}"));
            }
        }
        return files;
    }

    private static Dictionary<string, byte[]> ReadZip(string zipPath, PackageLimits limits, List<PluginProblem> problems)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        byte[] zipBytes;
        try
        {
            using var s = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            zipBytes = ReadBounded(s, limits.MaxTotalBytes, out bool tooBig);
            if (tooBig) { problems.Add(new PluginProblem(zipPath, $"the package exceeds {limits.MaxTotalBytes:N0} bytes")); return files; }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new PluginProblem(zipPath, $"cannot read: {e.Message}"));
            return files;
        }
        try
        {
            using var zip = new ZipArchive(new MemoryStream(zipBytes, writable: false), ZipArchiveMode.Read);
            if (zip.Entries.Count > limits.MaxFiles)
            {
                problems.Add(new PluginProblem(zipPath, $"{zip.Entries.Count} entries; a package holds at most {limits.MaxFiles} files"));
                return files;
            }
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                string name = entry.FullName;
                string where = $"{zipPath}!{name}";
                if (IsTraversal(name)) { problems.Add(new PluginProblem(where, "entry path escapes the package (absolute path or '..'): refused")); continue; }
                if (name.EndsWith('/')) { problems.Add(new PluginProblem(where, "sub-folders are not allowed: a package is flat (plugin.json, the listed assemblies, the model)")); continue; }
                if (name.Contains('/')) { problems.Add(new PluginProblem(where, "files in sub-folders are not allowed: a package is flat")); continue; }
                // Unix symlinks in a zip carry S_IFLNK in the high bits of the external attributes.
                if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000) { problems.Add(new PluginProblem(where, "symbolic links are not allowed in a package")); continue; }
                if (files.ContainsKey(name)) { problems.Add(new PluginProblem(where, "duplicate entry")); continue; }
                if (total + entry.Length > limits.MaxTotalBytes) { problems.Add(new PluginProblem(zipPath, $"the package exceeds {limits.MaxTotalBytes:N0} bytes uncompressed")); return files; }
                using var s = entry.Open();
                // The declared size may lie (zip bombs): the read itself is bounded.
                var bytes = ReadBounded(s, limits.MaxTotalBytes - total, out bool tooBig);
                if (tooBig) { problems.Add(new PluginProblem(zipPath, $"the package exceeds {limits.MaxTotalBytes:N0} bytes uncompressed")); return files; }
                total += bytes.Length;
                files[name] = bytes;
            }
        }
        catch (InvalidDataException e)
        {
            problems.Add(new PluginProblem(zipPath, $"not a readable zip archive: {e.Message}"));
        }
        return files;
    }

    /// <summary>Absolute (/x, \x, C:), backslash-separated or containing a '..' segment.</summary>
    public static bool IsTraversal(string name) =>
        name.Length == 0 || name[0] is '/' or '\\' || name.Contains('\\') || (name.Length > 1 && name[1] == ':')
        || name.Split('/').Any(segment => segment == "..") || name.Contains('\0');

    private static byte[] ReadBounded(Stream s, long max, out bool tooBig)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        long total = 0;
        int n;
        while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += n;
            if (total > max) { tooBig = true; return []; }
            ms.Write(buffer, 0, n);
        }
        tooBig = false;
        return ms.ToArray();
    }
}
