using System.CommandLine;
using System.IO.Compression;
using Google.Protobuf;
using Grpc.Core;
using Switchboard.Control.V1;

namespace Switchboard.Host.Cli;

/// <summary>
/// <c>switchboard ctl &lt;command&gt;</c>: the control plane's client. Talks to the switch at
/// <c>--address</c> (default: the address the switch wrote beside its token file) with the token from
/// <c>--token-file</c>; prints tables, or the proto messages as JSON with <c>--json</c>. Exit codes:
/// 0 done, 1 the switch answered with an error (its message is printed) or refused the assembly, 2 a local problem (no token
/// file, unreadable file, bad arguments).
/// </summary>
internal static class CtlCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var address = new Option<string?>("--address", "-a") { Description = "The switch's control address, HOST:PORT or http(s)://HOST:PORT (default: the one the switch wrote beside its token file).", Recursive = true };
        var tokenFile = new Option<string?>("--token-file") { Description = $"The switch's control token file (default {Switchboard.Host.Control.ControlOptions.DefaultTokenFile()}).", Recursive = true };
        var caCert = new Option<string?>("--ca-cert") { Description = "PEM CA certificate that issued the switch's TLS certificate (for a remote switch).", Recursive = true };
        var clientCert = new Option<string?>("--client-cert") { Description = "PEM client certificate, for a switch that requires mutual TLS.", Recursive = true };
        var clientKey = new Option<string?>("--client-key") { Description = "PEM private key of --client-cert.", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print the answer as JSON (the proto messages).", Recursive = true };
        var ctl = new Command("ctl", "Control a running switch over its gRPC control plane (see Control/README.md).") { address, tokenFile, caCert, clientCert, clientKey, json };

        // Runs one command against the switch and turns every failure into a message and an exit code.
        void Add(Command command, Func<CtlConnection, ParseResult, CtlOutput, CancellationToken, Task> body)
        {
            command.SetAction(async (parse, cancel) =>
            {
                var o = new CtlOutput(output, parse.GetValue(json));
                try
                {
                    using var connection = CtlConnection.Open(parse.GetValue(address), parse.GetValue(tokenFile), parse.GetValue(caCert),
                        parse.GetValue(clientCert), parse.GetValue(clientKey));
                    try
                    {
                        await body(connection, parse, o, cancel);
                        return 0;
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancel.IsCancellationRequested)
                    {
                        return 0; // Ctrl-C during --watch
                    }
                    catch (RpcException e)
                    {
                        error.WriteLine(e.StatusCode == StatusCode.Unavailable
                            ? $"switchboard ctl {command.Name}: cannot reach the switch at {connection.Address}: {e.Status.Detail} (is `./switchboard run` running? see --address)"
                            : $"switchboard ctl {command.Name}: {e.StatusCode}: {e.Status.Detail}");
                        return 1;
                    }
                }
                catch (CtlException e)
                {
                    error.WriteLine($"switchboard ctl {command.Name}: {e.Message}");
                    return e.ExitCode;
                }
            });
            ctl.Subcommands.Add(command);
        }

        Add(new Command("status", "Version, uptime, cores, ports and what the switch runs."), async (c, _, o, cancel) =>
        {
            var info = await c.Switch.GetInfoAsync(new GetInfoRequest(), cancellationToken: cancel);
            var ports = await c.Switch.ListPortsAsync(new ListPortsRequest(), cancellationToken: cancel);
            o.Status(c.Address, info, ports);
        });

        Add(new Command("nfs", "The NF instances running and the NF types the switch can run."), async (c, _, o, cancel) =>
        {
            var instances = await c.Chains.ListNfInstancesAsync(new ListNfInstancesRequest(), cancellationToken: cancel);
            var types = await c.Plugins.ListNfTypesAsync(new ListNfTypesRequest(), cancellationToken: cancel);
            o.Nfs(instances, types);
        });

        Add(new Command("plugins", "The plugins the switch has, with the IL verifier's verdict."), async (c, _, o, cancel) =>
            o.Plugins(await c.Plugins.ListAsync(new ListPluginsRequest(), cancellationToken: cancel)));

        Add(new Command("chains", "The chains: port -> NFs -> port."), async (c, _, o, cancel) =>
            o.Chains(await c.Chains.ListAsync(new ListChainsRequest(), cancellationToken: cancel)));

        var watch = new Option<bool>("--watch", "-w") { Description = "Keep printing, once per --interval, until Ctrl-C." };
        var interval = new Option<uint>("--interval") { Description = "Milliseconds between snapshots with --watch (default 1000, at least 100).", DefaultValueFactory = _ => 1000 };
        var count = new Option<uint>("--count") { Description = "With --watch: stop after this many snapshots (0 = until Ctrl-C)." };
        Add(new Command("counters", "Per-NF, per-port and per-core counters (like the run report), live.") { watch, interval, count }, async (c, p, o, cancel) =>
        {
            if (!p.GetValue(watch))
            {
                o.Counters(await c.Counters.GetAsync(new GetCountersRequest(), cancellationToken: cancel), null, stream: false);
                return;
            }
            using var call = c.Counters.Watch(new WatchCountersRequest { IntervalMs = p.GetValue(interval), Count = p.GetValue(count) }, cancellationToken: cancel);
            CounterSnapshot? previous = null;
            await foreach (var snapshot in call.ResponseStream.ReadAllAsync(cancel))
            {
                o.Counters(snapshot, previous, stream: true);
                previous = snapshot;
            }
        });

        var file = new Argument<string>("file") { Description = "The plugin assembly (.dll)." };
        var onSwitch = new Option<bool>("--on-switch") { Description = "The path is on the switch's machine: send the path, not the bytes." };
        Add(new Command("verify", "Verify a plugin assembly with the switch's IL verifier; lists every violation (exit 1 when refused).") { file, onSwitch }, async (c, p, o, cancel) =>
        {
            string path = p.GetValue(file)!;
            var request = p.GetValue(onSwitch) ? new VerifyRequest { Path = path } : new VerifyRequest { Content = ByteString.CopyFrom(ReadLocal(path)), FileName = path };
            var result = await c.Verification.VerifyAsync(request, cancellationToken: cancel);
            o.Verify(result);
            if (!result.Ok) throw new CtlException($"{path}: refused, {result.Violations.Count} violation(s)", exitCode: 1);
        });

        Add(new Command("verification", "The verifier's policy and its verdict on every plugin the switch has."), async (c, _, o, cancel) =>
            o.VerificationStatus(await c.Verification.GetStatusAsync(new GetVerificationStatusRequest(), cancellationToken: cancel)));

        var package = new Argument<string>("package") { Description = "A plugin package: a folder, a .zip or a .dll." };
        Add(new Command("load", "Verify and load a plugin package into the running switch.") { package, onSwitch }, async (c, p, o, cancel) =>
        {
            var response = await c.Plugins.LoadAsync(new LoadPluginRequest { Package = Package(p.GetValue(package)!, p.GetValue(onSwitch)) }, cancellationToken: cancel);
            o.Loaded(response);
        });

        var instance = new Argument<string>("instance") { Description = "The NF instance to replace (a deployment \"nfs\" key)." };
        var with = new Argument<string>("with") { Description = "An NF type the switch has, or a plugin package (folder, .zip, .dll)." };
        var config = new Option<string?>("--config") { Description = "The new instance's config as a JSON object (default: the running instance's)." };
        Add(new Command("replace", "Replace a running NF instance, on every core, at a batch boundary.") { instance, with, config, onSwitch }, async (c, p, o, cancel) =>
        {
            string target = p.GetValue(with)!;
            var request = new ReplaceNfRequest { Instance = p.GetValue(instance)!, ConfigJson = p.GetValue(config) ?? "" };
            // A path that exists (or --on-switch) is a package; anything else is an NF type name.
            if (p.GetValue(onSwitch) || File.Exists(target) || Directory.Exists(target)) request.Package = Package(target, p.GetValue(onSwitch));
            else request.NfType = target;
            o.Replaced(await c.Plugins.ReplaceAsync(request, cancellationToken: cancel));
        });

        var plugin = new Argument<string>("plugin") { Description = "The plugin id (see ctl plugins)." };
        Add(new Command("unload", "Unload a plugin loaded from a package.") { plugin }, async (c, p, o, cancel) =>
            o.Unloaded(await c.Plugins.UnloadAsync(new UnloadPluginRequest { PluginId = p.GetValue(plugin)! }, cancellationToken: cancel)));

        var chain = new Argument<string>("chain") { Description = "The chain's name (see ctl chains)." };
        var nf = new Argument<string>("nf") { Description = "The NF instance's name." };
        var type = new Option<string?>("--type") { Description = "Create NF as a new instance of this NF type (otherwise NF must exist)." };
        var position = new Option<int>("--position") { Description = "Where in the chain's NF list: 0 = first, -1 = last (default).", DefaultValueFactory = _ => -1 };
        Add(new Command("insert", "Insert an NF instance into a running chain.") { chain, nf, type, config, position }, async (c, p, o, cancel) =>
        {
            var request = new InsertNfRequest { Chain = p.GetValue(chain)!, Position = p.GetValue(position) };
            if (p.GetValue(type) is { } t) request.NewInstance = new NfInstanceSpec { Name = p.GetValue(nf)!, Type = t, ConfigJson = p.GetValue(config) ?? "" };
            else request.Instance = p.GetValue(nf)!;
            var response = await c.Chains.InsertNfAsync(request, cancellationToken: cancel);
            o.ChainChanged(response.Chain, response.Detail);
        });

        Add(new Command("remove", "Remove an NF instance from a running chain.") { chain, nf }, async (c, p, o, cancel) =>
        {
            var response = await c.Chains.RemoveNfAsync(new RemoveNfRequest { Chain = p.GetValue(chain)!, Instance = p.GetValue(nf)! }, cancellationToken: cancel);
            o.ChainChanged(response.Chain, response.Detail);
        });

        var from = new Argument<string>("from") { Description = "Receive port." };
        var to = new Argument<string>("to") { Description = "Transmit port." };
        var through = new Option<string[]>("--through") { Description = "NF instances in order (existing ones).", AllowMultipleArgumentsPerToken = true };
        Add(new Command("create-chain", "Create a chain between two ports of the running switch.") { chain, from, to, through }, async (c, p, o, cancel) =>
        {
            var request = new CreateChainRequest { Name = p.GetValue(chain)!, From = p.GetValue(from)!, To = p.GetValue(to)! };
            request.Through.AddRange(p.GetValue(through) ?? []);
            var response = await c.Chains.CreateAsync(request, cancellationToken: cancel);
            o.ChainChanged(response.Chain, response.Detail);
        });

        Add(new Command("delete-chain", "Delete a chain of the running switch.") { chain }, async (c, p, o, cancel) =>
        {
            var response = await c.Chains.DeleteAsync(new DeleteChainRequest { Name = p.GetValue(chain)! }, cancellationToken: cancel);
            o.Line(response, $"Deleted chain {response.Name}. {response.Detail}");
        });

        return ctl;
    }

    /// <summary>A package as a path on the switch, or uploaded: a .dll or .zip as is, a folder zipped in memory.</summary>
    private static PackageSource Package(string path, bool onSwitch)
    {
        if (onSwitch) return new PackageSource { Path = path };
        if (Directory.Exists(path))
        {
            using var ms = new MemoryStream();
            try { ZipFile.CreateFromDirectory(path, ms, CompressionLevel.Fastest, includeBaseDirectory: false); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CtlException($"{path}: cannot be read: {e.Message}");
            }
            return new PackageSource { Content = ByteString.CopyFrom(ms.ToArray()), FileName = Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) + ".zip" };
        }
        return new PackageSource { Content = ByteString.CopyFrom(ReadLocal(path)), FileName = Path.GetFileName(path) };
    }

    private static byte[] ReadLocal(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CtlException($"{path}: {e.Message}");
        }
    }
}
