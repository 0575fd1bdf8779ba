namespace Anchor.Node;

/// <summary>The node cannot start as configured; the message says what to change.</summary>
public sealed class NodeStartupException(string message) : Exception(message);
