using System.Text.Json;
using Json.Schema;
using Switchboard.Host.Config;

namespace Switchboard.Host.Tests.Config;

/// <summary>
/// plugins.schema.json (what editors check) and DeploymentLoader (what the host checks) agree: valid files
/// pass both; schema-invalid fixtures fail both; semantic-invalid fixtures (references, unused names, files,
/// CIDR host bits, duplicate keys: what a schema cannot say) pass the schema and fail the loader. Each invalid
/// fixture holds one mistake, and the loader must report exactly it (Fixtures/expected-errors.tsv).
/// </summary>
public class SchemaAgreementTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromFile(ConfigTestFiles.SchemaPath));
    private static readonly Lazy<Dictionary<string, (string Path, string Message)>> Expected = new(ReadExpected);

    private static IEnumerable<TestCaseData> Files(string folder) =>
        Directory.GetFiles(Path.Combine(ConfigTestFiles.FixturesDir, folder), "*.json").Order(StringComparer.Ordinal)
                 .Select(f => new TestCaseData($"{folder}/{Path.GetFileName(f)}").SetName($"{folder}/{Path.GetFileNameWithoutExtension(f)}"));

    public static IEnumerable<TestCaseData> ValidFiles() =>
        Files("valid").Select(t => new TestCaseData(Path.Combine(ConfigTestFiles.FixturesDir, (string)t.Arguments[0]!)).SetName(t.TestName!))
        .Concat(Directory.GetFiles(ConfigTestFiles.ExamplesDir, "*.json").Order(StringComparer.Ordinal)
                .Select(f => new TestCaseData(f).SetName($"examples/{Path.GetFileNameWithoutExtension(f)}")));

    public static IEnumerable<TestCaseData> SchemaInvalidFiles() => Files("schema-invalid");
    public static IEnumerable<TestCaseData> SemanticInvalidFiles() => Files("semantic-invalid");

    [TestCaseSource(nameof(ValidFiles))]
    public void ValidFile_PassesSchemaAndLoader(string file)
    {
        using var dir = new TempDir();
        var staged = ConfigTestFiles.Stage(file, dir);

        Assert.That(SchemaErrors(staged), Is.Empty);
        // Examples may use any in-tree NF.
        var result = DeploymentLoader.Load(staged, Switchboard.Host.Runtime.NfRegistry.BuiltIn().Names);
        Assert.That(result.Ok, Is.True, result.FormatErrors());
    }

    [TestCaseSource(nameof(SchemaInvalidFiles))]
    public void SchemaInvalidFile_FailsSchemaAndLoader(string fixture)
    {
        using var dir = new TempDir();
        var staged = ConfigTestFiles.Stage(Path.Combine(ConfigTestFiles.FixturesDir, fixture), dir);

        Assert.That(SchemaErrors(staged), Is.Not.Empty, "the schema accepts it");
        AssertLoaderReportsExactly(fixture, staged);
    }

    [TestCaseSource(nameof(SemanticInvalidFiles))]
    public void SemanticInvalidFile_PassesSchemaButFailsLoader(string fixture)
    {
        using var dir = new TempDir();
        var staged = ConfigTestFiles.Stage(Path.Combine(ConfigTestFiles.FixturesDir, fixture), dir);

        Assert.That(SchemaErrors(staged), Is.Empty, "the schema rejects it: move it to schema-invalid");
        AssertLoaderReportsExactly(fixture, staged);
    }

    [Test]
    public void EveryInvalidFixture_HasAnExpectedError_AndViceVersa()
    {
        var fixtures = SchemaInvalidFiles().Concat(SemanticInvalidFiles()).Select(t => (string)t.Arguments[0]!);
        Assert.That(Expected.Value.Keys, Is.EquivalentTo(fixtures));
    }

    [Test]
    public void SchemaEnums_MatchTheLoader()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ConfigTestFiles.SchemaPath));
        var defs = doc.RootElement.GetProperty("$defs");
        Assert.That(Strings(defs.GetProperty("port").GetProperty("properties").GetProperty("type").GetProperty("enum")), Is.EqualTo(PortKinds.Available));
        Assert.That(Strings(defs.GetProperty("invariant").GetProperty("properties").GetProperty("kind").GetProperty("enum")), Is.EqualTo(InvariantParser.Kinds));
        Assert.That(Strings(defs.GetProperty("invariant").GetProperty("properties").GetProperty("expect").GetProperty("enum")), Is.EqualTo(InvariantParser.Expectations));
        Assert.That(doc.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name), Is.EqualTo(DeploymentLoader.TopLevelKeys));
        Assert.That(defs.GetProperty("name").GetProperty("pattern").GetString(), Is.EqualTo(@"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$"));
    }

    private static IEnumerable<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!);

    private static void AssertLoaderReportsExactly(string fixture, string staged)
    {
        var result = DeploymentLoader.Load(staged, ConfigTestFiles.KnownNfTypes);
        Assert.That(result.Ok, Is.False);
        Assert.That(Expected.Value.TryGetValue(fixture, out var expected), Is.True, $"no row for {fixture} in expected-errors.tsv");
        Assert.That(result.Errors, Has.Count.EqualTo(1), result.FormatErrors());
        var error = result.Errors[0];
        Assert.That(error.JsonPath, Is.EqualTo(expected.Path));
        Assert.That(error.Message, Does.Contain(expected.Message));
        Assert.That(error.Line, Is.Not.Null);
    }

    private static List<string> SchemaErrors(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var results = Schema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid) return [];
        var errors = (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).ToList();
        return errors.Count > 0 ? errors : ["invalid"];
    }

    private static Dictionary<string, (string, string)> ReadExpected() =>
        File.ReadAllLines(Path.Combine(ConfigTestFiles.FixturesDir, "expected-errors.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .ToDictionary(c => c[0], c => (c[1], c[2]), StringComparer.Ordinal);
}
