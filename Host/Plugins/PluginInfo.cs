using Switchboard.Host.Plugins.Signing;

namespace Switchboard.Host.Plugins;

/// <summary>A loaded plugin generation as listed by <see cref="PluginCatalog.List"/> (plain data: holding it keeps nothing alive).</summary>
public sealed record PluginInfo(
    string Id,
    SemVer Version,
    string Vendor,
    int Generation,
    bool Active,
    IReadOnlyList<NfDeclaration> NfTypes,
    TimeSpan VerifyTime,
    TimeSpan LoadTime,
    SignatureCheck Signature,
    string Source,
    DateTimeOffset LoadedAt)
{
    /// <summary><c>acme.counter 1.2.0 #3</c></summary>
    public string DisplayName => $"{Id} {Version} #{Generation}";
}

/// <summary>The outcome of an unload: <see cref="Collected"/> is false when something still holds the plugin's
/// types or objects after <see cref="Elapsed"/> (then <see cref="Alarm"/> says so, naming the plugin).</summary>
public sealed record UnloadResult(PluginInfo Plugin, bool Collected, TimeSpan Elapsed, int GcRounds, string? Alarm);

/// <summary>Raised when an unloaded plugin's load context is still alive after the unload timeout (a leak).</summary>
public sealed record PluginAlarm(PluginInfo Plugin, string Message, DateTimeOffset At);
