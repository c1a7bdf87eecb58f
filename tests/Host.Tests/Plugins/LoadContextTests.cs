using System.Reflection;
using Switchboard.Host.Plugins;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>
/// The load context on its own (defence in depth behind the verifier): assemblies outside the package and
/// the allow-list, and every native library, are refused even for an assembly that was never verified.
/// </summary>
public class LoadContextTests
{
    private static (PluginLoadContext Context, Type Type) Load(string source)
    {
        var bytes = PluginFixtures.Compile(source, "Probe");
        var context = new PluginLoadContext("probe 1.0.0 #1", new Dictionary<string, byte[]> { ["Probe"] = bytes }, VerifierPolicy.Default);
        return (context, context.LoadVerified("Probe").GetType("Probe.Entry", throwOnError: true)!);
    }

    private static Exception Invoke(Type type, string method)
    {
        var e = Assert.Catch(() => type.GetMethod(method)!.Invoke(null, null))!;
        return e is TargetInvocationException { InnerException: { } inner } ? inner : e;
    }

    [Test]
    public void An_assembly_outside_the_package_and_the_allow_list_is_refused()
    {
        var (context, type) = Load("""
            namespace Probe;
            public static class Entry
            {
                public static object Run() => Make();
                private static object Make() => new System.Net.Http.HttpClient();
            }
            """);
        var e = Invoke(type, "Run");
        Assert.That(e, Is.InstanceOf<FileLoadException>());
        Assert.That(context.Refusals, Has.Some.Contains("asked for assembly 'System.Net.Http").And.Some.Contains("refused"));
        context.Unload();
    }

    [Test]
    public void A_native_library_is_always_refused()
    {
        var (context, type) = Load("""
            using System.Runtime.InteropServices;
            namespace Probe;
            public static class Entry
            {
                [DllImport("libc", EntryPoint = "getpid")] private static extern int GetPid();
                public static int Run() => GetPid();
            }
            """);
        var e = Invoke(type, "Run");
        Assert.That(e, Is.InstanceOf<DllNotFoundException>());
        Assert.That(context.Refusals, Has.Some.Contains("asked for native library 'libc': plugins never load native code"));
        context.Unload();
    }

    [Test]
    public void The_sdk_and_allowed_framework_resolve_to_the_hosts_copies()
    {
        var (context, _) = Load("namespace Probe; public static class Entry { }");
        var sdk = context.LoadFromAssemblyName(typeof(Switchboard.Sdk.Pipe).Assembly.GetName());
        var linq = context.LoadFromAssemblyName(new AssemblyName("System.Linq"));
        Assert.That(sdk, Is.SameAs(typeof(Switchboard.Sdk.Pipe).Assembly));
        Assert.That(linq, Is.SameAs(typeof(Enumerable).Assembly));
        context.Unload();
    }
}
