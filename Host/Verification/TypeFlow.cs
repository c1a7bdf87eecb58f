using System.Reflection.Metadata;

namespace Switchboard.Host.Verification;

/// <summary>Part 3 (ECMA-335 III.1.8): type flow of one method body.</summary>
internal static class TypeFlow
{
    public static void Check(VerificationContext cx, MethodDefinitionHandle mh, MethodBodyBlock body, List<Instruction> code)
    {
    }
}
