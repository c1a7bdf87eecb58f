namespace Switchboard.Verifier.Tests.Support;

internal static class Verdicts
{
    public static VerificationResult Verify(byte[] image) => PluginVerifier.Verify(image, VerifierPolicy.Default);

    public static string Describe(VerificationResult r) =>
        r.Ok ? "accepted" : string.Join("\n", r.Violations.Select(v => "  " + v));

    public static void AssertRejected(byte[] image, string rule)
    {
        var r = Verify(image);
        Assert.That(r.Violations.Select(v => v.Rule), Does.Contain(rule), () => $"expected [{rule}], got:\n{Describe(r)}");
        var hit = r.Violations.First(v => v.Rule == rule);
        Assert.That(hit.Message, Is.Not.Empty);
        Assert.That(hit.Assembly, Is.EqualTo(r.Assembly));
    }

    public static void AssertAccepted(byte[] image)
    {
        var r = Verify(image);
        Assert.That(r.Ok, Is.True, () => "expected the plugin to be accepted, got:\n" + Describe(r));
    }
}
