namespace Switchboard.PolicyCheck;

/// <summary>Marker for the assembly (types arrive with the language and solver layers).</summary>
internal static class AssemblyInfo;
