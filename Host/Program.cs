using System.CommandLine;
using Switchboard.Host.Cli;
using Switchboard.Host.Config;
using Switchboard.Host.Runtime;

var configOption = new Option<string>("--config", "-c")
{
    Description = "Deployment file (plugins.json format).",
    DefaultValueFactory = _ => DefaultConfig(),
};
var secondsOption = new Option<double?>("--seconds", "-s") { Description = "Run for this many seconds (default 5)." };
var foreverOption = new Option<bool>("--forever") { Description = "Run until Ctrl-C." };
var coresOption = new Option<int?>("--cores") { Description = "Override the number of cores from the deployment." };
var quietOption = new Option<bool>("--quiet", "-q") { Description = "No live progress line." };
var acceptUnknownOption = new Option<bool>("--accept-unknown") { Description = "Activate even when an invariant cannot be decided (loudly)." };

var run = new Command("run", "Run the deployment: push traffic through the chains and print counters and Mpps.")
{
    configOption, secondsOption, foreverOption, coresOption, quietOption, acceptUnknownOption,
};
var controlRunOptions = new ControlRunOptions();
controlRunOptions.AddTo(run);
run.SetAction(parse =>
{
    using var cts = new CancellationTokenSource();
    // Ctrl-C and SIGTERM stop receiving, drain every queue and print the final counters.
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
    using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
    return RunCommand.Execute(new RunCommand.Options(
        parse.GetValue(configOption)!, parse.GetValue(secondsOption), parse.GetValue(foreverOption),
        parse.GetValue(coresOption), parse.GetValue(quietOption), controlRunOptions.Read(parse), parse.GetValue(acceptUnknownOption)),
        Console.Out, Console.Error, cts.Token);
});

var validate = new Command("validate", "Check a deployment file and report every error with its JSON path.") { configOption };
validate.SetAction(parse =>
{
    string path = parse.GetValue(configOption)!;
    var plugins = new Switchboard.Host.Plugins.DeploymentPlugins();
    var result = DeploymentLoader.Load(path, NfRegistry.BuiltIn().Names, plugins.Load, plugins.CheckConfigs);
    if (result.Ok) { Console.WriteLine($"{path}: OK"); return 0; }
    foreach (var e in result.Errors) Console.Error.WriteLine(e);
    Console.Error.WriteLine($"{result.Errors.Count} error(s).");
    return 2;
});

var nfs = new Command("nfs", "List the NF types this host can run: built in, and from the plugin packages the deployment names.") { configOption };
nfs.SetAction(parse => NfsCommand.Execute(parse.GetValue(configOption)!, Console.Out, Console.Error));

var dllArgument = new Argument<string>("dll") { Description = "The plugin assembly to verify." };
var verifyPlugin = new Command("verify-plugin", "Verify a plugin assembly's IL against the plugin policy; list every violation.") { dllArgument };
verifyPlugin.SetAction(parse => VerifyPluginCommand.Execute(parse.GetValue(dllArgument)!, Console.Out, Console.Error));

var networkArgument = new Argument<string?>("network") { Description = "Network description (JSON; see PolicyCheck/Network/README.md).", Arity = ArgumentArity.ZeroOrOne };
var jsonOption = new Option<bool>("--json") { Description = "Machine-readable output." };
var solverOption = new Option<string?>("--solver") { Description = "z3, cvc5 or portfolio (default: the file's options.solver)." };
var dotOption = new Option<string?>("--dot") { Description = "Write each counterexample as a Graphviz file into this folder." };
var noSlicingOption = new Option<bool>("--no-slicing") { Description = "Verify every invariant on the whole network (for comparison)." };
var noSymmetryOption = new Option<bool>("--no-symmetry") { Description = "Verify every invariant, also symmetric ones." };
var benchOption = new Option<string?>("--bench") { Description = "Benchmark on generated datacenters instead of checking a file; sizes as GROUPSxHOSTS,... (\"default\" for the standard set; \"scale[:GROUPSxHOSTS]\" for the whole 100-group datacenter only).", Arity = ArgumentArity.ZeroOrOne };
var generateOption = new Option<string?>("--generate") { Description = "Write the generated scenario networks into this folder and exit." };
var verify = new Command("verify", "Check a network's isolation invariants with an SMT solver (VMN); violations come with a trace.")
{
    networkArgument, jsonOption, solverOption, dotOption, noSlicingOption, noSymmetryOption, benchOption, generateOption,
};
verify.SetAction(async (parse, cancel) => await VerifyCommand.ExecuteAsync(
    new VerifyCommand.Options(parse.GetValue(networkArgument) ?? "", parse.GetValue(jsonOption), parse.GetValue(solverOption), parse.GetValue(dotOption),
        parse.GetValue(noSlicingOption) ? false : null, parse.GetValue(noSymmetryOption) ? false : null,
        parse.GetResult(benchOption) is null ? null : parse.GetValue(benchOption) ?? "default", parse.GetValue(generateOption)),
    Console.Out, Console.Error, cancel));

var root = new RootCommand("Switchboard: a plugin-hosted virtual switch for network functions.") { run, validate, nfs, verifyPlugin, verify };
root.Subcommands.Add(PluginCommand.Create());
root.Subcommands.Add(CtlCommand.Create(Console.Out, Console.Error)); // `switchboard ctl ...`: the control plane's client
return root.Parse(args).Invoke();

static string DefaultConfig()
{
    // The repository's plugins.json when run from a checkout, else the copy next to the binary.
    foreach (var candidate in new[] { "plugins.json", Path.Combine(AppContext.BaseDirectory, "plugins.json") })
        if (File.Exists(candidate)) return candidate;
    return "plugins.json";
}
