namespace Switchboard.Sdk;

/// <summary>A header type that <c>Parse&lt;T&gt;()</c> can push onto the header stack.</summary>
public interface IHeader
{
    static abstract HeaderKind Kind { get; }
}
