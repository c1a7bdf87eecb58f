namespace Switchboard.Host.Plugins;

/// <summary>Caps on what <see cref="PluginPackage.Open"/> reads into memory (a package is small: a few assemblies and a model).</summary>
public sealed record PackageLimits
{
    /// <summary>Total uncompressed bytes of every file (and of a .zip on disk). Default 64 MiB.</summary>
    public long MaxTotalBytes { get; init; } = 64L << 20;
    /// <summary>Files (zip entries) in a package. Default 64.</summary>
    public int MaxFiles { get; init; } = 64;

    public static PackageLimits Default { get; } = new();
}
