namespace Switchboard.Sdk;

/// <summary>
/// A network function. The host creates one instance per core and calls <see cref="Build"/> once on
/// each, so instance fields are per-core (partitioned) state with no synchronisation. Build wires
/// the NF's graph from its input pipe and returns its output (thesis listing 1's compose).
/// </summary>
public interface INetworkFunction
{
    Pipe Build(Pipe input, NfContext context);
}

/// <summary>Names an NF type so deployments can refer to it (<c>"type": "ttl"</c> in plugins.json).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkFunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;
    /// <summary>One line shown by <c>switchboard nfs</c>.</summary>
    public string Description { get; init; } = "";
}
