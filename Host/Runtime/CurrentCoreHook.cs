namespace Switchboard.Host.Runtime;

/// <summary>Tells the Sdk which core the calling thread runs (state abstractions check ownership with it).</summary>
internal static class CurrentCoreHook
{
    public static void Set(int coreId)
    {
        // Replaced by Sdk's CurrentCore.Set once the state abstractions land.
        _ = coreId;
    }
}
