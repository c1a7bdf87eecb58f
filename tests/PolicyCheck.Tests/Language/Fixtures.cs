using Switchboard.PolicyCheck.Language;

namespace Switchboard.PolicyCheck.Tests.Language;

/// <summary>Access to the thesis listing fixtures (Language/Listings) and parse helpers.</summary>
internal static class Fixtures
{
    public static string ListingPath(int number) =>
        Path.Combine(AppContext.BaseDirectory, "Language", "Listings", $"Listing{number:D2}.vmn");

    public static string Listing(int number) => File.ReadAllText(ListingPath(number));

    public static ParseResult ParseListing(int number) => ModelParser.Parse(Listing(number), $"Listing{number:D2}.vmn");

    /// <summary>Parses text that must check cleanly; the failure message lists the errors.</summary>
    public static ParseResult Ok(string text, string file = "test.vmn")
    {
        var result = ModelParser.Parse(text, file);
        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        return result;
    }

    public static ModelDecl SingleModel(string text) => Ok(text).Models.Single();

    /// <summary>Replaces exactly one occurrence of <paramref name="from"/>; fails the test if it is not there once.</summary>
    public static string ReplaceOnce(string text, string from, string to)
    {
        int i = text.IndexOf(from, StringComparison.Ordinal);
        Assert.That(i, Is.GreaterThanOrEqualTo(0), $"'{from}' not in fixture");
        Assert.That(text.IndexOf(from, i + 1, StringComparison.Ordinal), Is.LessThan(0), $"'{from}' occurs more than once");
        return text[..i] + to + text[(i + from.Length)..];
    }

    public static string Rules(ModelDecl model) => string.Join("\n", model.Rules.Select(AstPrinter.Print));
}
