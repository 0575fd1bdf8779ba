using Anchor.Cli;

return await AnchorCli.Root().Parse(args).InvokeAsync();
