using System.Text.Json;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Control;

/// <summary>
/// Everything the control plane asks of plugin loading (Host/Plugins) and of the running dataplane's
/// hot changes (Host/Runtime): the one seam between the gRPC services and those parts. The services
/// validate names against the running switch first, then call this; an implementation reports a
/// failure by throwing <see cref="PluginOperationException"/> with the error kind and a message naming
/// the problem, and never reports success for something it did not do.
/// </summary>
internal interface IPluginOperations
{
    /// <summary>Control-plane operations this implementation cannot perform (e.g. "PluginService.Load").</summary>
    IReadOnlyList<string> Unavailable { get; }

    /// <summary>Whether only packages signed by a trusted key may be loaded.</summary>
    bool SignatureRequired { get; }

    /// <summary>Every plugin the host has, built in or loaded from a package.</summary>
    IReadOnlyList<PluginRecord> ListPlugins();

    /// <summary>Whether new instances of NF type <paramref name="type"/> have their config checked against a schema.</summary>
    bool DeclaresConfigSchema(string type);

    /// <summary>Verify, then load a package; its NF types become available to deployments and chain changes.</summary>
    Task<LoadOutcome> LoadPackageAsync(PackageInput package, CancellationToken cancel);

    /// <summary>Replace NF instance <paramref name="instance"/> on every core at a batch boundary.</summary>
    Task<ReplaceOutcome> ReplaceAsync(string instance, Replacement replacement, CancellationToken cancel);

    /// <summary>Unload a plugin loaded from a package and confirm its load context was collected.</summary>
    Task<UnloadOutcome> UnloadAsync(string pluginId, CancellationToken cancel);

    /// <summary>Add a chain between existing ports; <paramref name="newInstances"/> are created first.</summary>
    Task<ChainChangeOutcome> CreateChainAsync(ChainDefinition chain, IReadOnlyList<NfDefinition> newInstances, CancellationToken cancel);

    Task<ChainChangeOutcome> DeleteChainAsync(string chain, CancellationToken cancel);

    /// <summary>Insert an existing instance (<paramref name="existing"/>) or a new one (<paramref name="created"/>) at
    /// <paramref name="position"/> in the chain's NF list (0 = first; past the end = last).</summary>
    Task<ChainChangeOutcome> InsertNfAsync(string chain, string? existing, NfDefinition? created, int position, CancellationToken cancel);

    Task<ChainChangeOutcome> RemoveNfAsync(string chain, string instance, CancellationToken cancel);
}

/// <summary>A plugin package or single assembly: a path on the switch's machine, or uploaded bytes with a file name.</summary>
internal sealed record PackageInput(string? Path, ReadOnlyMemory<byte>? Content, string? FileName)
{
    /// <summary>How to name it in messages.</summary>
    public string DisplayName => Path ?? FileName ?? "uploaded package";
}

/// <summary>What replaces an instance: an NF type the host has, or a package to load first. Null config keeps the old one.</summary>
internal sealed record Replacement(string? NfType, PackageInput? Package, JsonElement? Config);

internal enum PluginVerdict { Verified, Refused, Unknown }

/// <summary>A plugin as the control plane lists it.</summary>
internal sealed record PluginRecord(
    string Id, string Version, string Vendor, string Assembly, string Source, bool BuiltIn,
    IReadOnlyList<string> NfTypes, PluginVerdict Verdict, string? Signer, VerificationResult? Verification);

internal sealed record LoadOutcome(PluginRecord Plugin, IReadOnlyList<(string Source, VerificationResult Result)> Verification, TimeSpan VerifyTime, TimeSpan LoadTime);

internal sealed record ReplaceOutcome(string Instance, string OldType, string NewType, int Cores, bool StateTransferred, TimeSpan SwapTime, string Detail);

internal sealed record UnloadOutcome(string PluginId, bool Collected, TimeSpan UnloadTime, string Detail);

internal sealed record ChainDefinition(string Name, string From, IReadOnlyList<string> Through, string To);

internal sealed record NfDefinition(string Name, string Type, JsonElement Config);

/// <summary>The chain as it runs after the change.</summary>
internal sealed record ChainChangeOutcome(ChainDefinition Chain, string Detail);

/// <summary>Why an operation failed; the services map each kind to its gRPC status code.</summary>
internal enum PluginOperationError { InvalidArgument, NotFound, AlreadyExists, FailedPrecondition, Refused, Unimplemented }

/// <summary>A plugin or chain operation that failed; <see cref="Exception.Message"/> names the problem for the operator.</summary>
internal sealed class PluginOperationException(PluginOperationError error, string message) : Exception(message)
{
    public PluginOperationError Error { get; } = error;
}
