using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.PortableExecutable;

namespace Switchboard.Verifier.Tests.Support;

/// <summary>
/// Hand-assembled plugins, for IL that C# will not emit: built with <see cref="PersistedAssemblyBuilder"/>
/// and saved to bytes, exactly like a plugin built by another compiler.
/// </summary>
internal sealed class IlPlugin
{
    public PersistedAssemblyBuilder Assembly { get; }
    public ModuleBuilder Module { get; }
    public TypeBuilder Type { get; }
    private readonly List<TypeBuilder> _extraTypes = [];

    private IlPlugin(string name)
    {
        Assembly = new PersistedAssemblyBuilder(new AssemblyName(name), typeof(object).Assembly);
        Module = Assembly.DefineDynamicModule(name);
        Type = Module.DefineType("Vendor.Hostile", TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class);
    }

    /// <summary>Define a static method on the plugin's type with the given body.</summary>
    public MethodBuilder Method(string name, Type returnType, Type[] parameters, Action<ILGenerator> body,
        MethodAttributes attributes = MethodAttributes.Public | MethodAttributes.Static)
    {
        var m = Type.DefineMethod(name, attributes, returnType, parameters);
        body(m.GetILGenerator());
        return m;
    }

    public TypeBuilder DefineType(string name, TypeAttributes attributes, Type? parent = null)
    {
        var t = Module.DefineType(name, attributes, parent);
        _extraTypes.Add(t);
        return t;
    }

    public static byte[] Build(Action<IlPlugin> define, string name = "Hostile.Il")
    {
        var p = new IlPlugin(name);
        define(p);
        foreach (var t in p._extraTypes) t.CreateType();
        p.Type.CreateType();
        p.Module.CreateGlobalFunctions();
        using var ms = new MemoryStream();
        p.Assembly.Save(ms);
        return ms.ToArray();
    }

    /// <summary>Replace the first occurrence of <paramref name="find"/> (a marker the test emitted) with raw bytes.</summary>
    public static byte[] Patch(byte[] image, byte[] find, byte[] replace)
    {
        Assert.That(replace, Has.Length.EqualTo(find.Length), "a patch must keep the body's length");
        int at = image.AsSpan().IndexOf(find);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "marker not found in the image");
        var copy = (byte[])image.Clone();
        replace.CopyTo(copy, at);
        return copy;
    }

    /// <summary>The bytes of <c>ldc.i4 marker</c>, to find an instruction in the saved image.</summary>
    public static byte[] LdcI4(int marker) => [0x20, .. BitConverter.GetBytes(marker)];

    /// <summary>Clear the CLI header's IL-only flag (what a C++/CLI mixed-mode image has).</summary>
    public static byte[] ClearIlOnly(byte[] image)
    {
        var copy = (byte[])image.Clone();
        using var pe = new PEReader(new MemoryStream(image));
        int flagsAt = pe.PEHeaders.CorHeaderStartOffset + 16;
        copy[flagsAt] &= 0xFE;
        return copy;
    }
}
