using Switchboard.Verifier.Tests.Support;

namespace Switchboard.Verifier.Tests;

/// <summary>
/// Escapes a vendor can write in C#, many without the <c>unsafe</c> keyword. Each case is compiled
/// into its own plugin assembly in the test run and must be refused with the expected rule.
/// </summary>
public class HostileCSharpTests
{
    private static string Plugin(string members, string usings = "") => $$"""
        using System;
        using System.Collections.Generic;
        using Switchboard.Sdk;
        {{usings}}
        namespace Vendor;
        [NetworkFunction("evil")]
        public sealed class EvilNf : INetworkFunction
        {
            public Pipe Build(Pipe input, NfContext context) { Evil(); return input; }
            {{members}}
        }
        """;

    public sealed record Case(string Name, string Rule, string Source, bool Unsafe = false)
    {
        public override string ToString() => Name;
    }

    private static IEnumerable<Case> Cases()
    {
        const string cs = "using System.Runtime.CompilerServices;";
        const string ip = "using System.Runtime.InteropServices;";
        yield return new("Unsafe.As type confusion", Rules.UnsafeApi, Plugin("static void Evil() { var l = Unsafe.As<List<int>>(\"x\"); l.Add(1); }", cs));
        yield return new("Unsafe.Add past the end", Rules.UnsafeApi, Plugin("static void Evil() { var a = new int[1]; Unsafe.Add(ref a[0], 100) = 1; }", cs));
        yield return new("MemoryMarshal.CreateSpan", Rules.UnsafeApi, Plugin("static void Evil() { int x = 0; var s = MemoryMarshal.CreateSpan(ref x, 100); s[50] = 1; }", ip));
        yield return new("MemoryMarshal.Cast", Rules.UnsafeApi, Plugin("static void Evil() { var s = MemoryMarshal.Cast<byte, long>(new byte[8].AsSpan()); s[0] = 1; }", ip));
        yield return new("Marshal.ReadInt32", Rules.UnsafeApi, Plugin("static void Evil() { Marshal.ReadInt32((IntPtr)0x1000); }", ip));
        yield return new("NativeMemory.Alloc", Rules.UnsafeApi, Plugin("static unsafe void Evil() { NativeMemory.Free(NativeMemory.Alloc(16)); }", ip), Unsafe: true);
        yield return new("UnsafeAccessor reads Sdk internals", Rules.UnsafeAccessor, Plugin(
            "[UnsafeAccessor(UnsafeAccessorKind.Field, Name = \"_core\")] static extern ref object Core(NfContext c); static void Evil() { }", cs));
        yield return new("DllImport", Rules.PInvoke, Plugin("[DllImport(\"libc\")] static extern int getpid(); static void Evil() => getpid();", ip));
        yield return new("stackalloc into a Span", Rules.ForbiddenOpcode, Plugin("static void Evil() { Span<byte> s = stackalloc byte[16]; s[0] = 1; }"));
        yield return new("IgnoresAccessChecksTo", Rules.IgnoresAccessChecks, """
            [assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Switchboard.Sdk")]
            namespace System.Runtime.CompilerServices
            {
                [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
                public sealed class IgnoresAccessChecksToAttribute(string name) : Attribute { public string Name { get; } = name; }
            }
            """);
        yield return new("raw pointer parameter", Rules.Pointer, Plugin("static unsafe void Evil() { int x = 0; Poke(&x); } static unsafe void Poke(int* p) => p[10] = 1;"), Unsafe: true);
        yield return new("raw pointer on the stack only", Rules.Pointer, Plugin("static unsafe void Evil() { int x = 0; int* p = &x; p[10] = 1; }"), Unsafe: true);
        yield return new("compiled with unsafe", Rules.UnverifiableCode, Plugin("static unsafe void Evil() { int x = 0; int* p = &x; *p = 1; }"), Unsafe: true);
        yield return new("function pointer", Rules.FunctionPointer, Plugin("static void Target() { } static unsafe void Evil() => Call(&Target); static unsafe void Call(delegate*<void> f) => f();"), Unsafe: true);
        yield return new("__makeref", Rules.ForbiddenOpcode, Plugin("static void Evil() { int x = 1; var r = __makeref(x); __refvalue(r, int) = 2; }"));
        yield return new("fixed statement pins", Rules.PinnedLocal, Plugin("static unsafe void Evil() { var a = new byte[4]; fixed (byte* p = a) { p[8] = 1; } }"), Unsafe: true);
        yield return new("ref field", Rules.RefField, Plugin("ref struct Holder { public ref int X; } static void Evil() { }"));
        yield return new("explicit layout overlap", Rules.ExplicitLayout, Plugin(
            "[StructLayout(LayoutKind.Explicit)] struct Overlap { [FieldOffset(0)] public object O; [FieldOffset(0)] public long L; } static void Evil() { }", ip));
        yield return new("fixed buffer", Rules.FixedBuffer, Plugin("unsafe struct Buf { public fixed byte B[16]; } static void Evil() { }"), Unsafe: true);
        yield return new("SkipLocalsInit", Rules.SkipLocalsInit, Plugin("[SkipLocalsInit] static int Evil() { int[] a = new int[1]; int x; x = a.Length; return x; }", cs), Unsafe: true);
        yield return new("reflection invoke", Rules.Reflection, Plugin("static void Evil() { typeof(NfContext).GetMethod(\"Log\")!.Invoke(null, null); }"));
        yield return new("Activator", Rules.Reflection, Plugin("static void Evil() { Activator.CreateInstance(typeof(List<int>)); }"));
        yield return new("GetType", Rules.Reflection, Plugin("static void Evil() { Console2(new object().GetType()); } static void Console2(object o) { }"));
        yield return new("Reflection.Emit", Rules.Emit, Plugin(
            "static void Evil() { System.Reflection.Emit.AssemblyBuilder.DefineDynamicAssembly(new System.Reflection.AssemblyName(\"x\"), System.Reflection.Emit.AssemblyBuilderAccess.Run); }"));
        yield return new("AssemblyLoadContext", Rules.LoadContext, Plugin("static void Evil() { new System.Runtime.Loader.AssemblyLoadContext(\"x\").LoadFromAssemblyPath(\"/tmp/x.dll\"); }"));
        yield return new("Thread", Rules.Threading, Plugin("static void Evil() { new System.Threading.Thread(() => { }).Start(); }"));
        yield return new("Task.Run", Rules.Threading, Plugin("static void Evil() { System.Threading.Tasks.Task.Run(() => { }); }"));
        yield return new("async method", Rules.Threading, Plugin("static void Evil() { _ = Later(); } static async System.Threading.Tasks.Task Later() { await System.Threading.Tasks.Task.Yield(); }"));
        yield return new("Timer", Rules.Threading, Plugin("static void Evil() { new System.Threading.Timer(_ => { }, null, 0, 1); }"));
        yield return new("ThreadPool", Rules.Threading, Plugin("static void Evil() { System.Threading.ThreadPool.QueueUserWorkItem(_ => { }); }"));
        yield return new("finalizer", Rules.Finalizer, Plugin("sealed class Zombie { ~Zombie() { } } static void Evil() { }"));
        yield return new("module initializer", Rules.ModuleInitializer, Plugin("[ModuleInitializer] internal static void OnLoad() { } static void Evil() { }", cs));
        yield return new("File.ReadAllText", Rules.Io, Plugin("static void Evil() { System.IO.File.ReadAllText(\"/etc/shadow\"); }"));
        yield return new("socket", Rules.Io, Plugin("static void Evil() { new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp).Dispose(); }"));
        yield return new("HttpClient", Rules.Io, Plugin("static void Evil() { new System.Net.Http.HttpClient().Dispose(); }"));
        yield return new("Process.Start", Rules.Io, Plugin("static void Evil() { System.Diagnostics.Process.Start(\"/bin/sh\"); }"));
        yield return new("Console", Rules.Io, Plugin("static void Evil() { Console.WriteLine(\"hi\"); }"));
        yield return new("Environment.Exit", Rules.ProcessExit, Plugin("static void Evil() { Environment.Exit(1); }"));
        yield return new("Environment.FailFast", Rules.ProcessExit, Plugin("static void Evil() { Environment.FailFast(\"bye\"); }"));
        yield return new("environment variables", Rules.ProcessExit, Plugin("static void Evil() { Environment.GetEnvironmentVariable(\"HOME\"); }"));
        yield return new("Span over a ref", Rules.SpanFromRef, Plugin("static int Evil() { int x = 0; var s = new Span<int>(ref x); return s[0]; }"));
        yield return new("ReadOnlySpan over an in", Rules.SpanFromRef, Plugin("static int Evil() { int x = 0; return new ReadOnlySpan<int>(in x)[0]; }"));
        yield return new("Vector128.LoadUnsafe", Rules.UnsafeApi, Plugin(
            "static void Evil() { byte b = 0; System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b); }"));
        yield return new("GetUninitializedObject", Rules.Reflection, Plugin("static void Evil() { RuntimeHelpers.GetUninitializedObject(typeof(NfContext)); }", cs));
        yield return new("GC.Collect", Rules.ApiNotAllowed, Plugin("static void Evil() { GC.Collect(); }"));
        yield return new("direct recursion", Rules.Recursion, Plugin("static void Evil() => Depth(1); static int Depth(int n) => n == 0 ? 0 : 1 + Depth(n - 1);"));
        yield return new("mutual recursion", Rules.Recursion, Plugin("static void Evil() => Ping(3); static void Ping(int n) { if (n > 0) Pong(n); } static void Pong(int n) => Ping(n - 1);"));
        yield return new("recursion through a generic instantiation", Rules.Recursion, Plugin(
            "static class Deep<T> { public static int Go(int n) => n == 0 ? 0 : Deep<List<T>>.Go(n - 1); } static void Evil() => Deep<int>.Go(5);"));
        yield return new("recursion through a virtual call", Rules.Recursion, Plugin(
            "abstract class Shape { public abstract int Area(Shape s); } sealed class Sq : Shape { public override int Area(Shape s) => s.Area(this); } static void Evil() => new Sq().Area(new Sq());"));
        yield return new("recursion through an interface", Rules.Recursion, Plugin(
            "interface IWalk { int Walk(IWalk w); } sealed class W : IWalk { public int Walk(IWalk w) => w.Walk(this); } static void Evil() => new W().Walk(new W());"));
        yield return new("recursion through a lambda", Rules.Recursion, Plugin(
            "static void Evil() { Func<int, int>? f = null; f = n => n == 0 ? 0 : Again(n); f(3); } static int Again(int n) { Func<int, int> g = k => Again(k - 1); return g(n); }"));
        yield return new("Sdk internals by friend name", Rules.FriendName, Plugin("static void Evil() { }"));
        yield return new("Delegate.CreateDelegate", Rules.Reflection, Plugin(
            "static void Evil() { Delegate.CreateDelegate(typeof(Action), typeof(EvilNf), \"Evil\"); }"));
    }

    [TestCaseSource(nameof(Cases))]
    public void Refused(Case c)
    {
        string name = c.Name == "Sdk internals by friend name" ? "Switchboard.Host" : "Vendor.Hostile";
        var image = PluginCompiler.Compile(c.Source, name, c.Unsafe);
        Verdicts.AssertRejected(image, c.Rule);
    }

    [Test]
    public void Violations_name_the_method_and_il_offset()
    {
        var image = PluginCompiler.Compile(Plugin("static void Evil() { Environment.Exit(3); }"), "Vendor.Exit");
        var v = Verdicts.Verify(image).Violations.Single(v => v.Rule == Rules.ProcessExit);
        Assert.That(v.Assembly, Is.EqualTo("Vendor.Exit"));
        Assert.That(v.Type, Is.EqualTo("Vendor.EvilNf"));
        Assert.That(v.Method, Is.EqualTo("Evil()"));
        Assert.That(v.IlOffset, Is.EqualTo(1), "ldc.i4.3 is at 0, the call at 1");
        Assert.That(v.ToString(), Does.Contain("Vendor.EvilNf::Evil() IL_0001: [process-exit]"));
    }
}
