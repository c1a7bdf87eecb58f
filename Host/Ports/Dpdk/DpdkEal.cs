using System.Runtime.InteropServices;
using Switchboard.Sdk;
using System.Text;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// DPDK's Environment Abstraction Layer, initialised at most once per process (DPDK's own rule) from the
/// deployment's EAL arguments. Finding and loading the shim and starting the EAL each fail with a message
/// that says what is missing and how to fix it; the host keeps running with managed ports either way.
/// Worker threads join the EAL (<see cref="EnterThread"/>) so DPDK's per-lcore mempool caches serve them.
/// </summary>
internal static unsafe class DpdkEal
{
    private static readonly Lock Gate = new();
    private static bool s_loadTried, s_loaded, s_initTried, s_initialized;
    private static string s_loadFailure = "", s_initFailure = "";
    private static IReadOnlyList<string> s_args = [];
    private static readonly List<DpdkPool> LivePools = [];
    [ThreadStatic] private static bool t_registered;

    /// <summary>Where the shim is looked for (first hit wins): $SWITCHBOARD_DPDK_SHIM alone when set; else the
    /// host's directory, then native/build/ in this directory or any parent (a source checkout).</summary>
    public static IEnumerable<string> ShimCandidates()
    {
        if (Environment.GetEnvironmentVariable("SWITCHBOARD_DPDK_SHIM") is { Length: > 0 } env)
        {
            yield return env; // an explicit choice: no fallback to other copies
            yield break;
        }
        yield return Path.Combine(AppContext.BaseDirectory, DpdkNative.LibraryName);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            yield return Path.Combine(dir.FullName, "native", "build", DpdkNative.LibraryName);
    }

    /// <summary>Load the shim (once). False with the reason when DPDK ports cannot be used on this machine.</summary>
    public static bool TryLoadShim(out string reason)
    {
        lock (Gate)
        {
            if (!s_loadTried)
            {
                s_loadTried = true;
                s_loaded = Load(out s_loadFailure);
            }
            reason = s_loadFailure;
            return s_loaded;
        }
    }

    private static bool Load(out string reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            reason = "DPDK ports need Linux";
            return false;
        }
        var candidates = ShimCandidates().ToList();
        var path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            reason = $"the DPDK shim {DpdkNative.LibraryName} was not found (looked in {string.Join(", ", candidates.Select(Path.GetDirectoryName).Distinct())}); " +
                     "build it with `make -C native` (needs libdpdk-dev, pkg-config, gcc) or let ./switchboard build it";
            return false;
        }
        return DpdkNative.TryLoad(path, out reason);
    }

    public static bool IsInitialized { get { lock (Gate) return s_initialized; } }

    /// <summary>The EAL arguments in effect (after defaults), once initialised.</summary>
    public static IReadOnlyList<string> Arguments { get { lock (Gate) return s_args; } }

    /// <summary>DPDK's version string, e.g. "DPDK 22.11.11"; the shim must be loaded.</summary>
    public static string Version => Marshal.PtrToStringUTF8((nint)DpdkNative.DpdkVersion()) ?? "DPDK";

    /// <summary>The arguments passed to rte_eal_init: the operator's, plus <c>--no-shconf</c> and
    /// <c>--no-telemetry</c> unless the operator chose a runtime-directory or telemetry option, so two
    /// switch processes (or a switch and a test run) never fight over /var/run/dpdk/rte.</summary>
    public static IReadOnlyList<string> EffectiveArguments(IReadOnlyList<string> eal)
    {
        var args = new List<string>(eal);
        static bool Has(List<string> a, params string[] names) => a.Any(x => names.Any(n => x == n || x.StartsWith(n + "=", StringComparison.Ordinal)));
        if (!Has(args, "--no-shconf", "--file-prefix", "--in-memory", "--proc-type")) args.Add("--no-shconf");
        if (!Has(args, "--no-telemetry", "--telemetry")) args.Add("--no-telemetry");
        return args;
    }

    /// <summary>Initialise the EAL, or check that it already is. Throws <see cref="DpdkUnavailableException"/>
    /// with the reason when the shim is missing or rte_eal_init fails. A second call with other arguments
    /// keeps the first EAL (DPDK allows one per process) and says so through <paramref name="log"/>.</summary>
    public static void Initialize(IReadOnlyList<string> eal, Action<string>? log = null)
    {
        if (!TryLoadShim(out var reason)) throw new DpdkUnavailableException(reason);
        lock (Gate)
        {
            var args = EffectiveArguments(eal);
            if (s_initialized)
            {
                if (!args.SequenceEqual(s_args))
                    log?.Invoke($"DPDK: the EAL is already running with [{string.Join(" ", s_args)}]; it starts once per process, so [{string.Join(" ", args)}] is ignored.");
                return;
            }
            if (s_initTried) throw new DpdkUnavailableException(s_initFailure);
            s_initTried = true;
            int ret = CallInit(args);
            if (ret < 0)
            {
                int err = DpdkNative.Errno();
                s_initFailure = $"rte_eal_init failed ({DpdkNative.ErrorText(err)}) with arguments [{string.Join(" ", args)}]" + Hint(args);
                throw new DpdkUnavailableException(s_initFailure);
            }
            s_args = args;
            s_initialized = true;
            ReserveMetadataFlag();
        }
    }

    /// <summary>Reserve the ol_flags bit that marks a packet's metadata as its own (<see cref="PacketDesc.MetadataValidFlag"/>),
    /// so no driver or library takes it as a dynamic flag. Without it, DPDK ports are refused.</summary>
    private static void ReserveMetadataFlag()
    {
        var name = Utf8("switchboard_metadata_valid");
        try
        {
            int bit = DpdkNative.DynflagRegister(name, PacketDesc.MetadataValidBit);
            if (bit != PacketDesc.MetadataValidBit)
            {
                s_initFailure = $"cannot reserve mbuf flag bit {PacketDesc.MetadataValidBit} for packet metadata: " +
                                (bit < 0 ? DpdkNative.ErrorText(bit) : $"DPDK gave bit {bit}") + " (another dynamic flag holds it)";
                s_initialized = false;
                throw new DpdkUnavailableException(s_initFailure);
            }
        }
        finally { NativeMemory.Free(name); }
    }

    private static string Hint(IReadOnlyList<string> args)
    {
        var hints = new List<string>();
        if (Environment.UserName != "root" && !args.Contains("--no-huge")) hints.Add("DPDK usually needs root");
        if (!args.Contains("--no-huge")) hints.Add("without hugepages add \"--no-huge\", \"-m\", \"512\" to dpdk.eal");
        hints.Add("DPDK's own log lines above say more");
        return "; " + string.Join("; ", hints);
    }

    private static int CallInit(IReadOnlyList<string> args)
    {
        // argv[0] is the program name; DPDK may keep pointers into argv, so the strings are never freed.
        var argv = (byte**)NativeMemory.Alloc((nuint)(args.Count + 2), (nuint)sizeof(byte*));
        argv[0] = Utf8("switchboard");
        for (int i = 0; i < args.Count; i++) argv[i + 1] = Utf8(args[i]);
        argv[args.Count + 1] = null;
        return DpdkNative.EalInit(args.Count + 1, argv);
    }

    public static byte* Utf8(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        bytes.AsSpan().CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        return p;
    }

    internal static void Track(DpdkPool pool) { lock (Gate) LivePools.Add(pool); }
    internal static void Untrack(DpdkPool pool) { lock (Gate) LivePools.Remove(pool); }

    /// <summary>Give the calling thread an EAL lcore id, so mempool gets and puts go through its cache
    /// instead of the shared ring. Best effort: without one (all lcore ids taken) DPDK still works, slower.</summary>
    public static void EnterThread()
    {
        if (t_registered || !IsInitialized || DpdkNative.LcoreId() != uint.MaxValue) return;
        t_registered = DpdkNative.ThreadRegister() == 0;
    }

    /// <summary>Return the thread's cached mbufs to their pools and give its lcore id back (worker exit).</summary>
    public static void LeaveThread()
    {
        if (!t_registered) return;
        lock (Gate)
            foreach (var p in LivePools) DpdkNative.PoolCacheFlush(p.Mempool);
        DpdkNative.ThreadUnregister();
        t_registered = false;
    }
}

/// <summary>DPDK ports cannot be used here; the message says why and what to do.</summary>
internal sealed class DpdkUnavailableException(string reason) : Exception($"DPDK ports are unavailable: {reason}")
{
    public string Reason { get; } = reason;
}
