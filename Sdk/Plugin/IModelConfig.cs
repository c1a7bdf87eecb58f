namespace Switchboard.Sdk;

/// <summary>
/// Implemented by an NF whose VMN model takes configuration parameters, so the host's activation gate can check
/// the operator's invariants over chains that contain it. The host calls <see cref="ModelConfig"/> on a fresh
/// instance (no graph is built, no packets flow) with the instance's plugins.json config.
/// <para>Soundness is the NF's promise: the model with the returned configuration must forward every packet the NF
/// forwards (it may forward more, never less), otherwise a "holds" verdict is wrong. When the config cannot be
/// expressed that way, return null: the gate then reports the invariants unknown.</para>
/// </summary>
public interface IModelConfig
{
    /// <summary>The model class and its parameters for <paramref name="config"/>, or null when they cannot be derived
    /// soundly. Throws <see cref="ConfigException"/> when the config itself is invalid.</summary>
    ModelConfiguration? ModelConfig(NfConfig config);
}

/// <summary>
/// Which model of the NF's <c>.vmn</c> file applies and its parameters.
/// </summary>
/// <param name="Model">The model class (a file may declare several, e.g. source and destination NAT).</param>
/// <param name="ParametersJson">A JSON object with one property per model parameter, in the shapes the VMN
/// configuration binder reads: Bool and Int as literals, Address as an address or prefix text, tuples as arrays,
/// case classes as objects (a missing Option field is None), List/Set as arrays.</param>
public sealed record ModelConfiguration(string Model, string ParametersJson)
{
    /// <summary>IPv4 addresses the NF instance itself owns in the model's network (e.g. a NAT's public address, which
    /// its model compares destinations with); empty for none.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];
}
