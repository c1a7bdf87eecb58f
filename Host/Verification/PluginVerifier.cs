using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Switchboard.Host.Verification;

/// <summary>
/// Verifies a plugin assembly before it is loaded, over exactly the bytes that will be loaded:
/// metadata and references against the allow-list policy, forbidden opcodes, type flow of every
/// method body, and recursion in the plugin's call graph. Never throws for a bad image: a malformed
/// assembly is a violation like any other.
/// </summary>
public static class PluginVerifier
{
    /// <summary>Verify with the host's shipped policy (<see cref="VerifierPolicy.Default"/>).</summary>
    public static VerificationResult Verify(ReadOnlyMemory<byte> assemblyBytes) => Verify(assemblyBytes, VerifierPolicy.Default);

    public static VerificationResult Verify(ReadOnlyMemory<byte> assemblyBytes, VerifierPolicy policy)
    {
        var clock = Stopwatch.StartNew();
        string name = "?";
        int methods = 0;
        VerificationContext? cx = null;
        try
        {
            // A private copy: the caller's buffer could change under us, and these are the bytes to load.
            using var pe = new PEReader(ImmutableArray.Create(assemblyBytes.Span));
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader == null)
                return Fail(name, Rules.BadImage, "not a .NET assembly (no CLI header or metadata)", clock);
            var md = pe.GetMetadataReader();
            if (!md.IsAssembly) return Fail(name, Rules.BadImage, "a module without an assembly manifest; plugins must be assemblies", clock);
            name = md.GetString(md.GetAssemblyDefinition().Name);
            cx = new VerificationContext(pe, md, policy, name);

            DefinitionRules.CheckImage(cx);
            ReferenceRules.Check(cx);
            DefinitionRules.CheckTypes(cx);
            DefinitionRules.CheckAttributes(cx);

            var graph = new CallGraph(cx);
            foreach (var th in md.TypeDefinitions)
            {
                foreach (var mh in md.GetTypeDefinition(th).GetMethods())
                {
                    var m = md.GetMethodDefinition(mh);
                    if (m.RelativeVirtualAddress == 0) continue;
                    methods++;
                    MethodBodyBlock body;
                    try { body = pe.GetMethodBody(m.RelativeVirtualAddress); }
                    catch (BadImageFormatException e) { cx.Report(Rules.BadImage, $"unreadable method body: {e.Message}", mh); continue; }
                    var code = IlRules.Check(cx, mh, body, graph);
                    if (code != null) TypeFlow.Check(cx, mh, body, code);
                }
            }
            graph.ReportCycles();

            // References that break a rule but are never used by IL (signatures, attributes) are still refused.
            foreach (var (h, bad) in cx.BadReferences)
                if (!cx.ReportedAtUse.Contains(h)) cx.Report(bad.Rule, bad.Message);
            return new VerificationResult(name, cx.Violations.ToList(), clock.Elapsed, methods);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Fail closed: whatever the image does to the reader, it is refused, never loaded.
            var list = cx?.Violations.ToList() ?? [];
            list.Add(new Violation(name, null, null, null, Rules.BadImage, $"malformed metadata ({e.GetType().Name}): {e.Message}"));
            return new VerificationResult(name, list, clock.Elapsed, methods);
        }
    }

    private static VerificationResult Fail(string name, string rule, string message, Stopwatch clock) =>
        new(name, [new Violation(name, null, null, null, rule, message)], clock.Elapsed, 0);
}
