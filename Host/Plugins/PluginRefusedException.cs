namespace Switchboard.Host.Plugins;

/// <summary>Which check refused a plugin.</summary>
public enum RefusalStage
{
    /// <summary>The package itself: unreadable, oversize, stray or missing files, path traversal, native images.</summary>
    Package,
    /// <summary>plugin.json is malformed or does not match the assemblies.</summary>
    Manifest,
    /// <summary>Unsigned or untrusted where signatures are required, or a signature that does not match the files.</summary>
    Signature,
    /// <summary>The IL verifier found violations.</summary>
    Verification,
    /// <summary>Loading, type resolution or the instantiation check failed, or the NF types clash with a loaded plugin.</summary>
    Load,
}

/// <summary>One reason a plugin was refused: where (package, file, JSON path and line:column when known) and what.</summary>
public sealed record PluginProblem(string Where, string Message)
{
    public override string ToString() => $"{Where}: {Message}";
}

/// <summary>A plugin package was refused; <see cref="Problems"/> lists every reason found at <see cref="Stage"/>.</summary>
public sealed class PluginRefusedException(string package, RefusalStage stage, IReadOnlyList<PluginProblem> problems)
    : Exception($"plugin package {package} refused ({stage.ToString().ToLowerInvariant()}): " +
                string.Join("; ", problems.Take(5)) + (problems.Count > 5 ? $"; and {problems.Count - 5} more" : ""))
{
    public string Package { get; } = package;
    public RefusalStage Stage { get; } = stage;
    public IReadOnlyList<PluginProblem> Problems { get; } = problems;

    public PluginRefusedException(string package, RefusalStage stage, string where, string message)
        : this(package, stage, [new PluginProblem(where, message)]) { }
}
