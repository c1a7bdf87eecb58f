using System.Reflection;
using System.Reflection.Emit;
using Switchboard.Verifier.Tests.Support;

namespace Switchboard.Verifier.Tests;

/// <summary>
/// Raw IL that uses only allowed APIs and opcodes but breaks type safety: the type-flow check
/// (ECMA-335 III.1.8) is all that stands between these and memory corruption.
/// </summary>
public class TypeFlowTests
{
    private static readonly Type[] None = [];

    private static byte[] OneMethod(Type returns, Type[] args, Action<ILGenerator> body) =>
        IlPlugin.Build(p => p.Method("Evil", returns, args, body));

    [Test]
    public void Reference_forged_from_an_integer() => Verdicts.AssertRejected(OneMethod(typeof(object), None, il =>
    {
        il.Emit(OpCodes.Ldc_I4, 0x12345678);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void Integer_passed_as_an_object_argument() => Verdicts.AssertRejected(OneMethod(typeof(int), None, il =>
    {
        il.Emit(OpCodes.Ldc_I4, 0x1000);
        il.Emit(OpCodes.Callvirt, typeof(object).GetMethod("GetHashCode")!);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void String_used_as_a_list() => Verdicts.AssertRejected(OneMethod(typeof(int), None, il =>
    {
        il.Emit(OpCodes.Ldstr, "not a list");
        il.Emit(OpCodes.Callvirt, typeof(List<int>).GetProperty("Count")!.GetGetMethod()!);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void Object_argument_stored_into_a_string_field() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var f = p.Type.DefineField("Name", typeof(string), FieldAttributes.Public | FieldAttributes.Static);
        p.Method("Evil", typeof(void), [typeof(List<int>)], il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Stsfld, f);
            il.Emit(OpCodes.Ret);
        });
    }), Rules.StackType);

    [Test]
    public void Return_value_of_the_wrong_type() => Verdicts.AssertRejected(OneMethod(typeof(string), None, il =>
    {
        il.Emit(OpCodes.Newobj, typeof(object).GetConstructor(None)!);
        il.Emit(OpCodes.Ret);
    }), Rules.ReturnType);

    [Test]
    public void Stack_depth_differs_at_a_join() => Verdicts.AssertRejected(OneMethod(typeof(int), [typeof(int)], il =>
    {
        var join = il.DefineLabel();
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Brtrue, join);
        il.Emit(OpCodes.Ldc_I4_2);
        il.MarkLabel(join);
        il.Emit(OpCodes.Ret);
    }), Rules.StackMerge);

    [Test]
    public void Integer_and_reference_meet_at_a_join() => Verdicts.AssertRejected(OneMethod(typeof(object), [typeof(int)], il =>
    {
        var other = il.DefineLabel();
        var join = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Brtrue, other);
        il.Emit(OpCodes.Ldstr, "s");
        il.Emit(OpCodes.Br, join);
        il.MarkLabel(other);
        il.Emit(OpCodes.Ldc_I4, 0x1000);
        il.MarkLabel(join);
        il.Emit(OpCodes.Ret);
    }), Rules.StackMerge);

    [Test]
    public void Stack_underflow() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.Emit(OpCodes.Pop);
        il.Emit(OpCodes.Ret);
    }), Rules.StackUnderflow);

    [Test]
    public void Falls_off_the_end() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il => il.Emit(OpCodes.Nop)), Rules.FallThrough);

    [Test]
    public void Branch_into_the_middle_of_an_instruction()
    {
        const int marker = 0x7EADBEEF;
        var image = OneMethod(typeof(void), None, il =>
        {
            il.Emit(OpCodes.Ldc_I4, marker);
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Ret);
        });
        // ldc.i4 marker; pop -> br.s +1 (into the middle of the next instruction); ldc.i4.s x; ...
        var patched = IlPlugin.Patch(image, [.. IlPlugin.LdcI4(marker), 0x26], [0x2B, 0x01, 0x1F, 0x2A, 0x00, 0x00]);
        Verdicts.AssertRejected(patched, Rules.BranchTarget);
    }

    [Test]
    public void Branch_into_a_try_block() => Verdicts.AssertRejected(OneMethod(typeof(void), [typeof(int)], il =>
    {
        var inside = il.DefineLabel();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Brtrue, inside);
        il.BeginExceptionBlock();
        il.Emit(OpCodes.Nop);
        il.MarkLabel(inside);
        il.Emit(OpCodes.Nop);
        il.BeginFinallyBlock();
        il.Emit(OpCodes.Nop);
        il.EndExceptionBlock();
        il.Emit(OpCodes.Ret);
    }), Rules.ExceptionRegion);

    [Test]
    public void Branch_out_of_a_try_block_without_leave() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        var outside = il.DefineLabel();
        il.BeginExceptionBlock();
        il.Emit(OpCodes.Br, outside);
        il.BeginCatchBlock(typeof(Exception));
        il.Emit(OpCodes.Pop);
        il.EndExceptionBlock();
        il.MarkLabel(outside);
        il.Emit(OpCodes.Ret);
    }), Rules.ExceptionRegion);

    [Test]
    public void Return_from_inside_a_try_block() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.BeginExceptionBlock();
        il.Emit(OpCodes.Ret);
        il.BeginFinallyBlock();
        il.Emit(OpCodes.Nop);
        il.EndExceptionBlock();
        il.Emit(OpCodes.Ret);
    }), Rules.ExceptionRegion);

    [Test]
    public void Try_block_entered_with_values_on_the_stack() => Verdicts.AssertRejected(OneMethod(typeof(int), None, il =>
    {
        il.Emit(OpCodes.Ldc_I4_7);
        il.BeginExceptionBlock();
        il.Emit(OpCodes.Nop);
        il.BeginFinallyBlock();
        il.Emit(OpCodes.Nop);
        il.EndExceptionBlock();
        il.Emit(OpCodes.Ret);
    }), Rules.ExceptionRegion);

    [Test]
    public void Reference_to_a_dead_frame_returned() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var m = p.Type.DefineMethod("Evil", MethodAttributes.Public | MethodAttributes.Static, typeof(int).MakeByRefType(), None);
        var il = m.GetILGenerator();
        il.DeclareLocal(typeof(int));
        il.Emit(OpCodes.Ldloca_S, (byte)0);
        il.Emit(OpCodes.Ret);
    }), Rules.ByRefEscape);

    [Test]
    public void Out_parameter_returned_is_refused() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        // C# forbids this (out parameters are scoped); callers rely on it when they pass a local to `out`.
        var m = p.Type.DefineMethod("Evil", MethodAttributes.Public | MethodAttributes.Static, typeof(int).MakeByRefType(), [typeof(int).MakeByRefType()]);
        m.DefineParameter(1, ParameterAttributes.Out, "x");
        var il = m.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Stind_I4);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ret);
    }), Rules.ByRefEscape);

    [Test]
    public void Reference_to_an_argument_returned_through_a_call() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var passThrough = p.Method("Same", typeof(int).MakeByRefType(), [typeof(int).MakeByRefType()], il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ret);
        });
        p.Method("Evil", typeof(int).MakeByRefType(), [typeof(int)], il =>
        {
            il.Emit(OpCodes.Ldarga_S, (byte)0);
            il.Emit(OpCodes.Call, passThrough);
            il.Emit(OpCodes.Ret);
        });
    }), Rules.ByRefEscape);

    [Test]
    public void Dangling_span_over_a_local() => Verdicts.AssertRejected(OneMethod(typeof(Span<int>), None, il =>
    {
        il.DeclareLocal(typeof(int));
        il.Emit(OpCodes.Ldloca_S, (byte)0);
        il.Emit(OpCodes.Newobj, typeof(Span<int>).GetConstructor([typeof(int).MakeByRefType()])!);
        il.Emit(OpCodes.Ret);
    }), Rules.SpanFromRef);

    [Test]
    public void Integer_used_as_an_address() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.Emit(OpCodes.Ldc_I4, 0x1000);
        il.Emit(OpCodes.Conv_I);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Stind_I4);
        il.Emit(OpCodes.Ret);
    }), Rules.Pointer);

    [Test]
    public void Arithmetic_on_a_managed_reference() => Verdicts.AssertRejected(OneMethod(typeof(int), [typeof(int[])], il =>
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldelema, typeof(int));
        il.Emit(OpCodes.Ldc_I4, 4096);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Ldind_I4);
        il.Emit(OpCodes.Ret);
    }), Rules.Pointer);

    [Test]
    public void Managed_reference_converted_to_an_integer() => Verdicts.AssertRejected(OneMethod(typeof(long), [typeof(int[])], il =>
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldelema, typeof(int));
        il.Emit(OpCodes.Conv_U8);
        il.Emit(OpCodes.Ret);
    }), Rules.Pointer);

    [Test]
    public void Field_of_one_class_read_from_another() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var holder = p.DefineType("Vendor.Holder", TypeAttributes.Public | TypeAttributes.Class);
        var secret = holder.DefineField("Secret", typeof(long), FieldAttributes.Public);
        p.Method("Evil", typeof(long), [typeof(string)], il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldfld, secret);
            il.Emit(OpCodes.Ret);
        });
    }), Rules.StackType);

    [Test]
    public void Reference_stored_through_a_wrongly_typed_byref() => Verdicts.AssertRejected(OneMethod(typeof(void), [typeof(List<int>[])], il =>
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldelema, typeof(List<int>));
        il.Emit(OpCodes.Ldstr, "not a list");
        il.Emit(OpCodes.Stind_Ref);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void Stack_beyond_declared_maximum()
    {
        var image = OneMethod(typeof(int), None, il =>
        {
            il.DeclareLocal(typeof(int)); // a fat header, so the builder writes the exact max stack (2)
            il.Emit(OpCodes.Ldc_I4_1);
            il.Emit(OpCodes.Ldc_I4_2);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Ret);
        });
        // add -> dup: three values on a stack declared to hold two.
        var patched = IlPlugin.Patch(image, [0x17, 0x18, 0x58, 0x2A], [0x17, 0x18, 0x25, 0x2A]);
        Verdicts.AssertRejected(patched, Rules.StackOverflow);
    }

    [Test]
    public void Endfinally_outside_a_handler() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        il.Emit(OpCodes.Endfinally);
    }), Rules.ExceptionRegion);

    [Test]
    public void Delegate_over_a_method_of_another_signature() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        // Action<object> over a method that takes a List<int>: invoking it with any object is type confusion.
        var target = p.Method("Target", typeof(void), [typeof(List<int>)], il => il.Emit(OpCodes.Ret));
        p.Method("Evil", typeof(Action<object>), None, il =>
        {
            il.Emit(OpCodes.Ldnull);
            il.Emit(OpCodes.Ldftn, target);
            il.Emit(OpCodes.Newobj, typeof(Action<object>).GetConstructors()[0]);
            il.Emit(OpCodes.Ret);
        });
    }), Rules.StackType);

    [Test]
    public void Delegate_bound_to_an_object_of_the_wrong_type() => Verdicts.AssertRejected(OneMethod(typeof(Func<int>), None, il =>
    {
        il.Emit(OpCodes.Ldstr, "not a list");
        il.Emit(OpCodes.Ldftn, typeof(List<int>).GetProperty("Count")!.GetGetMethod()!);
        il.Emit(OpCodes.Newobj, typeof(Func<int>).GetConstructors()[0]);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void Reference_to_a_local_laundered_through_a_ref_local() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var m = p.Type.DefineMethod("Evil", MethodAttributes.Public | MethodAttributes.Static, typeof(int).MakeByRefType(), None);
        var il = m.GetILGenerator();
        il.DeclareLocal(typeof(int));
        il.DeclareLocal(typeof(int).MakeByRefType());
        il.Emit(OpCodes.Ldloca_S, (byte)0);
        il.Emit(OpCodes.Stloc_1);
        il.Emit(OpCodes.Ldloc_1);
        il.Emit(OpCodes.Ret);
    }), Rules.ByRefEscape);

    [Test]
    public void Reference_to_a_local_laundered_through_a_ref_argument() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var m = p.Type.DefineMethod("Evil", MethodAttributes.Public | MethodAttributes.Static, typeof(int).MakeByRefType(), [typeof(int).MakeByRefType()]);
        var il = m.GetILGenerator();
        il.DeclareLocal(typeof(int));
        il.Emit(OpCodes.Ldloca_S, (byte)0);
        il.Emit(OpCodes.Starg_S, (byte)0);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ret);
    }), Rules.ByRefEscape);

    [Test]
    public void Interned_string_mutated_through_its_readonly_reference() => Verdicts.AssertRejected(OneMethod(typeof(void), None, il =>
    {
        // "Switchboard" is interned process-wide: writing its chars would change the host's strings too.
        il.Emit(OpCodes.Ldstr, "Switchboard");
        il.Emit(OpCodes.Call, typeof(string).GetMethod("GetPinnableReference")!);
        il.Emit(OpCodes.Ldc_I4, 'X');
        il.Emit(OpCodes.Stind_I2);
        il.Emit(OpCodes.Ret);
    }), Rules.ReadOnlyWrite);

    [Test]
    public void ReadOnlySpan_element_written() => Verdicts.AssertRejected(OneMethod(typeof(void), [typeof(string)], il =>
    {
        il.DeclareLocal(typeof(ReadOnlySpan<char>));
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Call, typeof(MemoryExtensions).GetMethod("AsSpan", [typeof(string)])!);
        il.Emit(OpCodes.Stloc_0);
        il.Emit(OpCodes.Ldloca_S, (byte)0);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Call, typeof(ReadOnlySpan<char>).GetProperty("Item")!.GetGetMethod()!);
        il.Emit(OpCodes.Ldc_I4, 'X');
        il.Emit(OpCodes.Stind_I2);
        il.Emit(OpCodes.Ret);
    }), Rules.ReadOnlyWrite);

    [Test]
    public void Wide_read_through_a_narrow_reference() => Verdicts.AssertRejected(OneMethod(typeof(long), [typeof(byte[])], il =>
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldelema, typeof(byte));
        il.Emit(OpCodes.Ldind_I8);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void Wide_store_into_a_byte_array() => Verdicts.AssertRejected(OneMethod(typeof(void), [typeof(byte[])], il =>
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldc_I4, -1);
        il.Emit(OpCodes.Stelem_I4);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void Byte_array_element_addressed_as_a_long() => Verdicts.AssertRejected(OneMethod(typeof(long), [typeof(byte[])], il =>
    {
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldc_I4_0);
        il.Emit(OpCodes.Ldelema, typeof(long));
        il.Emit(OpCodes.Ldind_I8);
        il.Emit(OpCodes.Ret);
    }), Rules.StackType);

    [Test]
    public void Readonly_reference_passed_as_a_writable_ref() => Verdicts.AssertRejected(IlPlugin.Build(p =>
    {
        var poke = p.Method("Poke", typeof(void), [typeof(char).MakeByRefType()], il =>
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I4, 'X');
            il.Emit(OpCodes.Stind_I2);
            il.Emit(OpCodes.Ret);
        });
        p.Method("Evil", typeof(void), None, il =>
        {
            il.Emit(OpCodes.Ldstr, "Switchboard");
            il.Emit(OpCodes.Call, typeof(string).GetMethod("GetPinnableReference")!);
            il.Emit(OpCodes.Call, poke);
            il.Emit(OpCodes.Ret);
        });
    }), Rules.ReadOnlyWrite);

    [Test]
    public void Legitimate_il_with_loops_handlers_and_generics_is_accepted() => Verdicts.AssertAccepted(OneMethod(typeof(int), [typeof(List<string>)], il =>
    {
        il.DeclareLocal(typeof(int));
        var loop = il.DefineLabel();
        var test = il.DefineLabel();
        var done = il.DefineLabel();
        il.BeginExceptionBlock();
        il.Emit(OpCodes.Br, test);
        il.MarkLabel(loop);
        il.Emit(OpCodes.Ldloc_0);
        il.Emit(OpCodes.Ldc_I4_1);
        il.Emit(OpCodes.Add);
        il.Emit(OpCodes.Stloc_0);
        il.MarkLabel(test);
        il.Emit(OpCodes.Ldloc_0);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Callvirt, typeof(List<string>).GetProperty("Count")!.GetGetMethod()!);
        il.Emit(OpCodes.Blt, loop);
        il.Emit(OpCodes.Leave, done);
        il.BeginCatchBlock(typeof(InvalidOperationException));
        il.Emit(OpCodes.Callvirt, typeof(Exception).GetProperty("Message")!.GetGetMethod()!);
        il.Emit(OpCodes.Callvirt, typeof(string).GetProperty("Length")!.GetGetMethod()!);
        il.Emit(OpCodes.Stloc_0);
        il.Emit(OpCodes.Leave, done);
        il.EndExceptionBlock();
        il.MarkLabel(done);
        il.Emit(OpCodes.Ldloc_0);
        il.Emit(OpCodes.Ret);
    }));
}
