using Anchor.Node;

try
{
    var app = NodeApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (NodeStartupException ex)
{
    await Console.Error.WriteLineAsync("anchor node cannot start: " + ex.Message);
    return 2;
}
