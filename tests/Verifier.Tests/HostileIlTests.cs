using System.Reflection;
using System.Reflection.Emit;
using Switchboard.Verifier.Tests.Support;

namespace Switchboard.Verifier.Tests;

/// <summary>
/// Hostile plugins that C# will not write, assembled as IL with PersistedAssemblyBuilder (and, where
/// even that refuses, patched at the byte level). Each must be refused with the expected rule.
/// </summary>
public class HostileIlTests
{
    private static readonly Type[] None = [];

    private static byte[] OneMethod(Type returns, Type[] args, Action<ILGenerator> body) =>
        IlPlugin.Build(p => p.Method("Evil", returns, args, body));

    [Test]
    public void Calli() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.Emit(OpCodes.Ldc_I4, 0x1000);
        il.Emit(OpCodes.Conv_I);
        il.EmitCalli(OpCodes.Calli, System.Runtime.InteropServices.CallingConvention.Cdecl, typeof(void), None);
        il.Emit(OpCodes.Ret);
    }), Rules.ForbiddenOpcode);

    [Test]
    public void Localloc() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.Emit(OpCodes.Ldc_I4, 4096);
        il.Emit(OpCodes.Localloc);
        il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Ret);
    }), Rules.ForbiddenOpcode);

    [Test]
    public void Jmp() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var target = p.Method("Target", typeof(void), None, il => il.Emit(OpCodes.Ret));
        p.Method("Evil", typeof(void), None, il => il.Emit(OpCodes.Jmp, target));
    }), Rules.ForbiddenOpcode);

    [TestCase("cpblk")]
    [TestCase("initblk")]
    public void Block_memory_ops(string which) => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.Emit(OpCodes.Ldc_I4_0); il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Ldc_I4_0); if (which == "cpblk") il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Ldc_I4, 64);
        il.Emit(which == "cpblk" ? OpCodes.Cpblk : OpCodes.Initblk);
        il.Emit(OpCodes.Ret);
    }), Rules.ForbiddenOpcode);

    [Test]
    public void Arglist() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var m = p.Type.DefineMethod("Evil", MethodAttributes.Public | MethodAttributes.Static, CallingConventions.VarArgs, typeof(void), None);
        var il = m.GetILGenerator();
        il.Emit(OpCodes.Arglist);
        il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Ret);
    }), Rules.ForbiddenOpcode);

    [Test]
    public void Refanytype() => Verdicts.AssertRejected(OneMethod(typeof(void), [typeof(int)], il =>
    {
        il.Emit(OpCodes.Ldarga_S, (byte)0);
        il.Emit(OpCodes.Mkrefany, typeof(int));
        il.Emit(OpCodes.Refanytype);
        il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Ret);
    }), Rules.ForbiddenOpcode);

    [Test]
    public void No_prefix()
    {
        const int marker = 0x5A17E000;
        var image = OneMethod(typeof(void), None, il =>
        {
            il.Emit(OpCodes.Ldc_I4, marker);
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Ret);
        });
        // ldc.i4 marker; pop  ->  no. 7; nop; nop; nop  (same length)
        var patched = IlPlugin.Patch(image, [.. IlPlugin.LdcI4(marker), 0x26], [0xFE, 0x19, 0x07, 0x00, 0x00, 0x00]);
        Verdicts.AssertRejected(patched, Rules.ForbiddenOpcode);
    }

    [Test]
    public void Tail_call() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var target = p.Method("Target", typeof(void), None, il => il.Emit(OpCodes.Ret));
        p.Method("Evil", typeof(void), None, il => { il.Emit(OpCodes.Tailcall); il.Emit(OpCodes.Call, target); il.Emit(OpCodes.Ret); });
    }), Rules.ForbiddenOpcode);

    [Test]
    public void Ldftn_kept_as_a_raw_pointer() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var target = p.Method("Target", typeof(void), None, il => il.Emit(OpCodes.Ret));
        p.Method("Evil", typeof(IntPtr), None, il => { il.Emit(OpCodes.Ldftn, target); il.Emit(OpCodes.Ret); });
    }), Rules.FunctionPointerLoad);

    [Test]
    public void Ldvirtftn_kept_as_a_raw_pointer() => Verdicts.AssertRejected(OneMethod(typeof(IntPtr), [typeof(object)], il =>
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldvirtftn, typeof(object).GetMethod("ToString")!);
        il.Emit(OpCodes.Ret);
    }), Rules.FunctionPointerLoad);

    [Test]
    public void Delegate_from_a_forged_pointer() => Verdicts.AssertRejected(OneMethod(typeof(Action), None, il =>
    {
        il.Emit(OpCodes.Ldnull);
        il.Emit(OpCodes.Ldc_I4, 0x1000);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Newobj, typeof(Action).GetConstructors()[0]);
        il.Emit(OpCodes.Ret);
    }), Rules.FunctionPointerLoad);

    [Test]
    public void PInvoke() => Verdicts.AssertRejected(IlPlugin.Build(p =>
        p.Type.DefinePInvokeMethod("getpid", "libc", MethodAttributes.Public | MethodAttributes.Static | MethodAttributes.PinvokeImpl,
            CallingConventions.Standard, typeof(int), None, System.Runtime.InteropServices.CallingConvention.Cdecl,
            System.Runtime.InteropServices.CharSet.Ansi)), Rules.PInvoke);

    [Test]
    public void Internal_call() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var m = p.Type.DefineMethod("Evil", MethodAttributes.Public | MethodAttributes.Static, typeof(void), None);
        m.SetImplementationFlags(MethodImplAttributes.InternalCall);
    }), Rules.PInvoke);

    [Test]
    public void Explicit_layout_overlapping_a_reference() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var t = p.DefineType("Vendor.Overlap", TypeAttributes.Public | TypeAttributes.ExplicitLayout | TypeAttributes.Sealed, typeof(ValueType));
        t.DefineField("Ref", typeof(object), FieldAttributes.Public).SetOffset(0);
        t.DefineField("Bits", typeof(long), FieldAttributes.Public).SetOffset(0);
    }), Rules.ExplicitLayout);

    [Test]
    public void Module_initializer() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var cctor = p.Module.DefineGlobalMethod(".cctor", MethodAttributes.Private | MethodAttributes.Static | MethodAttributes.SpecialName | MethodAttributes.RTSpecialName, typeof(void), None);
        cctor.GetILGenerator().Emit(OpCodes.Ret);
    }), Rules.ModuleInitializer);

    [Test]
    public void Pinned_local() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.DeclareLocal(typeof(byte[]), pinned: true);
        il.Emit(OpCodes.Ret);
    }), Rules.PinnedLocal);

    [Test]
    public void Pointer_local() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.DeclareLocal(typeof(byte).MakePointerType());
        il.Emit(OpCodes.Ret);
    }), Rules.Pointer);

    [Test]
    public void Access_check_bypass_type() => Verdicts.AssertRejected(IlPlugin.Build(p =>
        p.DefineType("System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute", TypeAttributes.Public, typeof(Attribute))),
        Rules.IgnoresAccessChecks);

    [Test]
    public void Finalizer() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var t = p.DefineType("Vendor.Zombie", TypeAttributes.Public);
        var f = t.DefineMethod("Finalize", MethodAttributes.Family | MethodAttributes.Virtual | MethodAttributes.HideBySig, typeof(void), None);
        f.GetILGenerator().Emit(OpCodes.Ret);
    }), Rules.Finalizer);

    [Test]
    public void Mixed_mode_image() => Verdicts.AssertRejected(IlPlugin.ClearIlOnly(OneMethod(typeof(void), None, il => il.Emit(OpCodes.Ret))), Rules.MixedMode);

    [Test]
    public void Unknown_opcode()
    {
        const int marker = 0x0BADC0DE;
        var image = OneMethod(typeof(void), None, il => { il.Emit(OpCodes.Ldc_I4, marker); il.Emit(OpCodes.Pop); il.Emit(OpCodes.Ret); });
        Verdicts.AssertRejected(IlPlugin.Patch(image, [.. IlPlugin.LdcI4(marker), 0x26], [0xFE, 0x30, 0x00, 0x00, 0x00, 0x00]), Rules.BadIl);
    }

    [Test]
    public void Not_an_assembly() => Verdicts.AssertRejected(System.Text.Encoding.ASCII.GetBytes("MZ this is not a PE image at all"), Rules.BadImage);

    [Test]
    public void Truncated_image()
    {
        var image = OneMethod(typeof(void), None, il => il.Emit(OpCodes.Ret));
        Verdicts.AssertRejected(image[..(image.Length / 2)], Rules.BadImage);
    }

    [Test]
    public void Sdk_internal_member() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        // Sdk's NfContext constructor is internal: a plugin must not name it.
        var ctor = typeof(Switchboard.Sdk.NfContext).GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance)[0];
        foreach (var _ in ctor.GetParameters()) il.Emit(OpCodes.Ldnull);
        il.Emit(OpCodes.Newobj, ctor);
        il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Ret);
    }), Rules.SdkNotPublic);

    [Test]
    public void Sdk_internal_type() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        var core = typeof(Switchboard.Sdk.Pipe).Assembly.GetType("Switchboard.Sdk.Runtime.CoreContext")!;
        il.DeclareLocal(core);
        il.Emit(OpCodes.Ret);
    }), Rules.SdkNotPublic);
}

public class HostileAccessTests
{
    [Test]
    public void Private_framework_field() => Verdicts.AssertRejected(IlPlugin.Build(p => p.Method("Evil", typeof(object), [typeof(List<int>)], il =>
    {
        // List<int>._items: the backing array, private to CoreLib.
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldfld, typeof(List<int>).GetField("_items", BindingFlags.NonPublic | BindingFlags.Instance)!);
        il.Emit(OpCodes.Ret);
    })), Rules.NotPublic);

    [Test]
    public void Internal_framework_type() => Verdicts.AssertRejected(IlPlugin.Build(p => p.Method("Evil", typeof(void), Type.EmptyTypes, il =>
    {
        il.DeclareLocal(typeof(List<int>).Assembly.GetType("System.Collections.Generic.ArraySortHelper`1")!.MakeGenericType(typeof(int)));
        il.Emit(OpCodes.Ret);
    })), Rules.NotPublic);
}
