using System.Diagnostics;
using Switchboard.Host.Activation;
using Switchboard.Host.Config;
using Switchboard.Host.Control;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Cli;

/// <summary><c>switchboard run</c>: load the deployment, run it, print live and final counters.</summary>
internal static class RunCommand
{
    /// <param name="Control">The gRPC control plane's settings; null runs without one.</param>
    /// <param name="AcceptUnknown">Start even when the activation gate cannot decide an invariant.</param>
    public sealed record Options(string ConfigPath, double? Seconds, bool Forever, int? Cores, bool Quiet, ControlOptions? Control = null, bool AcceptUnknown = false);

    public static int Execute(Options o, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        // The control plane's web host starts (a few hundred ms) while the deployment loads and builds; it takes
        // no call until the dataplane is attached, and a bind failure still stops the run before it starts.
        // (Not cut short by Ctrl-C: it takes a moment, and the finally below disposes it.)
        var controlStart = o.Control is { } co ? Task.Run(() => ControlServer.StartDetachedAsync(co)) : null;
        try
        {
            return Execute(o, controlStart, output, errors, cancel);
        }
        finally
        {
            if (controlStart is not null)
            {
                try { controlStart.GetAwaiter().GetResult().DisposeAsync().AsTask().GetAwaiter().GetResult(); }
                catch (Exception) { } // a start failure was reported already, or the run failed before it mattered
            }
        }
    }

    private static int Execute(Options o, Task<ControlServer>? controlStart, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        var registry = NfRegistry.BuiltIn();
        var plugins = new DeploymentPlugins();
        var loaded = DeploymentLoader.Load(o.ConfigPath, registry.Names, plugins.Load, plugins.CheckConfigs);
        if (!loaded.Ok)
        {
            errors.WriteLine($"{o.ConfigPath}: {loaded.Errors.Count} error(s); nothing was started:");
            foreach (var e in loaded.Errors) errors.WriteLine("  " + e);
            return 2;
        }
        var deployment = loaded.Deployment!;
        PluginCatalog catalog; // also receives packages the control plane loads later
        try { catalog = plugins.Catalog ?? DeploymentPlugins.CreateCatalog(deployment.Plugins); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            errors.WriteLine($"{o.ConfigPath}: cannot read the plugin trust store: {ex.Message}; nothing was started.");
            return 2;
        }
        var builtIn = registry.Names;
        registry.AddPlugins(catalog);
        foreach (var p in catalog.List())
        {
            output.WriteLine($"Plugin {p.DisplayName} from {p.Source}: NFs {string.Join(", ", p.NfTypes.Select(n => n.Type))}; " +
                             $"verified in {p.VerifyTime.TotalMilliseconds:F1} ms, loaded in {p.LoadTime.TotalMilliseconds:F1} ms; {p.Signature}");
            foreach (var nf in p.NfTypes.Where(n => builtIn.Contains(n.Type)))
                output.WriteLine($"  NF type '{nf.Type}' now comes from this plugin, not the built-in NF");
        }
        if (o.Cores is int cores) deployment = deployment with { Cores = cores };

        // VMN activation gate: the operator's invariants must hold over the network these chains make.
        var gate = ActivationGate.Check(deployment.Ports, deployment.Chains, deployment.Nfs, deployment.Invariants, registry, o.AcceptUnknown, cancel);
        foreach (var line in gate.Lines) output.WriteLine("Gate: " + line.Replace("\n", "\n      "));
        if (!gate.Allowed)
        {
            errors.WriteLine($"{o.ConfigPath}: activation refused by the policy check (see above); nothing was started.");
            return 2;
        }

        Dataplane dp;
        try
        {
            dp = Dataplane.Build(deployment, registry, msg => errors.WriteLine(msg));
        }
        catch (DeploymentException ex)
        {
            errors.WriteLine($"{o.ConfigPath}: the deployment could not be built; nothing was started:");
            foreach (var e in ex.Errors) errors.WriteLine("  " + e);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or FormatException)
        {
            errors.WriteLine($"{o.ConfigPath}: {ex.Message}; nothing was started.");
            return 2;
        }

        ControlServer? control = null;
        if (controlStart is not null && o.Control is { } controlOptions)
        {
            try
            {
                var log = TextWriter.Synchronized(errors); // control-plane threads log while the run prints
                var ops = new SwitchPluginOperations(dp, registry, catalog, log.WriteLine, o.AcceptUnknown);
                control = controlStart.GetAwaiter().GetResult();
                control.Attach(new SwitchState(dp, registry, ops, log.WriteLine));
            }
            catch (ControlStartException ex)
            {
                errors.WriteLine(ex.Message + " Nothing was started.");
                dp.Dispose();
                return 2;
            }
        }

        using (dp)
        {
            double limit = o.Forever ? double.PositiveInfinity : o.Seconds ?? 5;
            output.WriteLine($"Switchboard: {deployment.Chains.Count} chain(s), {deployment.Nfs.Count} NF instance(s), {deployment.Cores} core(s), " +
                             $"{(o.Forever ? "until Ctrl-C" : $"{limit:g} s")}. Config: {o.ConfigPath}");
            foreach (var c in deployment.Chains)
                output.WriteLine($"  {c.Name}: {string.Join(" -> ", [c.From, .. c.Through, c.To])}");

            if (control is not null)
                output.WriteLine($"Control plane: {control.Address.ToString().TrimEnd('/')} (token in {control.TokenFilePath}; try ./switchboard ctl status)");
            var clock = Stopwatch.StartNew();
            dp.WatchdogTimeout = TimeSpan.FromSeconds(2); // a core stuck in an NF is reported and that NF quarantined elsewhere
            dp.Start();
            control?.State?.MarkStarted();
            var last = Report.Take(dp, 0);
            bool interactive = !Console.IsOutputRedirected && output == Console.Out;
            double nextPrint = interactive ? 0.5 : 1.0;
            while (!cancel.IsCancellationRequested && clock.Elapsed.TotalSeconds < limit && !dp.SourcesExhausted && !dp.Failures.Any())
            {
                Thread.Sleep(50);
                double t = clock.Elapsed.TotalSeconds;
                if (!o.Quiet && t >= nextPrint)
                {
                    var now = Report.Take(dp, t);
                    string line = Report.ProgressLine(now, last);
                    if (interactive) output.Write("\r" + line);
                    else output.WriteLine(line);
                    last = now;
                    nextPrint += interactive ? 0.5 : 1.0;
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;
            control?.DisposeAsync().AsTask().GetAwaiter().GetResult(); // no control call sees a stopping dataplane
            dp.Stop();
            if (interactive && !o.Quiet) output.WriteLine();
            if (cancel.IsCancellationRequested) output.WriteLine("Interrupted: drained queues and stopped.");
            else if (dp.SourcesExhausted) output.WriteLine("All sources finished.");
            output.Write(Report.Final(dp, seconds));
            var failures = dp.Failures.ToList();
            foreach (var f in failures) errors.WriteLine($"A core stopped on an unexpected error: {f}");
            dp.Dispose();
            if (dp.LeakedBuffers != 0)
            {
                errors.WriteLine($"Buffer leak: {dp.LeakedBuffers} packet buffer(s) were never freed.");
                return 3;
            }
            return failures.Count == 0 ? 0 : 1;
        }
    }
}
