using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace Switchboard.Host.Verification;

/// <summary>One decoded IL instruction. <see cref="Operand"/> holds the token, the integer, or the
/// branch target offset; <see cref="Targets"/> holds switch targets.</summary>
internal readonly record struct Instruction(int Offset, int Size, ILOpCode Op, OperandType OperandType, long Operand, double Real, int[]? Targets)
{
    public int Next => Offset + Size;
    public EntityHandle Token => MetadataTokens.EntityHandle((int)Operand);
    public bool IsBranch => OperandType is OperandType.InlineBrTarget or OperandType.ShortInlineBrTarget;
}

/// <summary>Decodes a method body into instructions, with operand kinds taken from the runtime's own opcode table.</summary>
internal static class IlDecoder
{
    private static readonly Dictionary<short, OpCode> s_opcodes = typeof(OpCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public const ILOpCode NoPrefix = (ILOpCode)0xFE19;

    public static OpCode Info(ILOpCode op) => s_opcodes[unchecked((short)op)];

    /// <summary>Decode every instruction; throws <see cref="InvalidIlException"/> on a truncated or unknown opcode.</summary>
    public static List<Instruction> Decode(BlobReader il)
    {
        var list = new List<Instruction>();
        while (il.RemainingBytes > 0)
        {
            int offset = il.Offset;
            int first = il.ReadByte();
            short value = (short)first;
            if (first == 0xFE)
            {
                if (il.RemainingBytes < 1) throw new InvalidIlException(offset, "truncated two-byte opcode");
                value = (short)(0xFE00 | il.ReadByte());
            }
            if ((ushort)value == (ushort)NoPrefix)
            {
                // `no.` (skip type/range/null checks) is absent from the runtime's opcode table.
                if (il.RemainingBytes < 1) throw new InvalidIlException(offset, "truncated no. prefix");
                il.ReadByte();
                list.Add(new Instruction(offset, 3, NoPrefix, OperandType.ShortInlineI, 0, 0, null));
                continue;
            }
            if (!s_opcodes.TryGetValue(value, out var op)) throw new InvalidIlException(offset, $"unknown opcode 0x{(ushort)value:x}");
            long operand = 0;
            double real = 0;
            int[]? targets = null;
            try
            {
                switch (op.OperandType)
                {
                    case OperandType.InlineNone: break;
                    case OperandType.ShortInlineBrTarget: operand = (sbyte)il.ReadByte(); break;
                    case OperandType.ShortInlineI: operand = op.Value == OpCodes.Ldc_I4_S.Value ? (sbyte)il.ReadByte() : il.ReadByte(); break;
                    case OperandType.ShortInlineVar: operand = il.ReadByte(); break;
                    case OperandType.InlineVar: operand = il.ReadUInt16(); break;
                    case OperandType.InlineBrTarget: operand = il.ReadInt32(); break;
                    case OperandType.InlineI: operand = il.ReadInt32(); break;
                    case OperandType.InlineI8: operand = il.ReadInt64(); break;
                    case OperandType.ShortInlineR: real = il.ReadSingle(); break;
                    case OperandType.InlineR: real = il.ReadDouble(); break;
                    case OperandType.InlineSwitch:
                        uint n = il.ReadUInt32();
                        if (n > (uint)il.RemainingBytes / 4) throw new InvalidIlException(offset, "switch table runs past the body");
                        targets = new int[n];
                        for (int i = 0; i < n; i++) targets[i] = il.ReadInt32();
                        break;
                    default: operand = il.ReadInt32(); break; // tokens: field, method, type, string, sig, tok
                }
            }
            catch (BadImageFormatException)
            {
                throw new InvalidIlException(offset, "operand runs past the end of the body");
            }
            int size = il.Offset - offset;
            if (op.OperandType is OperandType.InlineBrTarget or OperandType.ShortInlineBrTarget) operand += offset + size;
            if (targets != null) for (int i = 0; i < targets.Length; i++) targets[i] += offset + size;
            list.Add(new Instruction(offset, size, (ILOpCode)(ushort)op.Value, op.OperandType, operand, real, targets));
        }
        return list;
    }
}

internal sealed class InvalidIlException(int offset, string message) : Exception(message)
{
    public int Offset { get; } = offset;
}
