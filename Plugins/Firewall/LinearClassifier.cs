namespace Switchboard.Plugins.Firewall;

/// <summary>Finds the first rule a packet matches.</summary>
public interface IRuleClassifier
{
    /// <summary>Index of the first matching rule, or -1 when none matches.</summary>
    int Classify(in PacketFields packet);
}

/// <summary>
/// The reference classifier: tries the rules in order (what NetBricks' firewall did). Its cost grows
/// with the rule count; it exists to check <see cref="BitVectorClassifier"/> against.
/// </summary>
public sealed class LinearClassifier(IReadOnlyList<FirewallRule> rules) : IRuleClassifier
{
    private readonly FirewallRule[] _rules = rules.ToArray();

    public int Classify(in PacketFields packet)
    {
        for (int i = 0; i < _rules.Length; i++)
            if (_rules[i].Matches(packet)) return i;
        return -1;
    }
}
