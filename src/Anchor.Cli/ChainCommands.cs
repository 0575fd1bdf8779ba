using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Anchor.Chain;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;

namespace Anchor.Cli;

/// <summary>`anchor chain …`: deploy the AnchorRegistry, register a log (under the key's account, with its key commitment), look an anchor up.</summary>
public static class ChainCommands
{
    private static readonly Option<string> Rpc = new("--rpc") { Description = "JSON-RPC endpoint of the chain.", Required = true };
    private static readonly Option<string> Key = new("--key")
    {
        Description = "The account's key file: one line of 0x-hex private key, or an `anchor keygen --alg eth-personal` key file.", Required = true,
    };
    private static readonly Option<string> Registry = new("--registry") { Description = "AnchorRegistry address.", Required = true };
    private static readonly Option<string> LogKey = new("--log-key")
    {
        Description = "The log's verifier key (vkey, from GET /v1/node); its name is the origin, and the registry stores SHA-256 of its text.", Required = true,
    };
    private static readonly Option<string> Origin = new("--origin") { Description = "The log's checkpoint origin.", Required = true };
    private static readonly Option<string> Operator = new("--operator")
    {
        Description = "The account that registered the log: the log ID is keccak256(abi.encode(operator, keccak256(origin))).", Required = true,
    };
    private static readonly Option<ulong> Size = new("--size") { Description = "Tree size of the anchored checkpoint.", Required = true };
    private static readonly Option<ulong> ChainId = new("--chain-id") { Description = "Refuse the endpoint unless it serves this chain ID (default: accept its own)." };

    public static Command Build()
    {
        var chain = new Command("chain", "The AnchorRegistry contract on an Ethereum-compatible chain.");
        chain.Subcommands.Add(Deploy());
        chain.Subcommands.Add(RegisterLog());
        chain.Subcommands.Add(Lookup());
        return chain;
    }

    private static Command Deploy()
    {
        var command = new Command("deploy", "Deploy the AnchorRegistry built from contracts/ and print its address.") { Rpc, Key, ChainId };
        command.SetAction((parse, ct) => Run(async () =>
        {
            using var client = await AnchorRegistryClient.ConnectAsync(Target(parse) with { KeyFile = parse.GetValue(Key) }, ct: ct);
            var mined = await client.DeployAsync(ct);
            Print(parse, mined.ContractAddress!, new()
            {
                ["chainId"] = client.Target.ChainId.ToString(CultureInfo.InvariantCulture),
                ["registry"] = mined.ContractAddress!,
                ["txHash"] = mined.Hash,
                ["blockNumber"] = mined.BlockNumber.ToString(CultureInfo.InvariantCulture),
            });
        }));
        return command;
    }

    private static Command RegisterLog()
    {
        var command = new Command("register-log", "Register a log under the key's account, committing to the log's verifier key; the account becomes its operator.")
        {
            Rpc, Key, Registry, LogKey, ChainId,
        };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var vkey = parse.GetValue(LogKey)!;
            if (!VerifierKey.TryParse(vkey, out var key, out var error)) throw new FormatException($"--log-key: {error}");
            var origin = key!.Name;
            var commitment = RegistryLog.KeyCommitment(key.ToString()); // the canonical text, as the node serves it
            using var client = await AnchorRegistryClient.ConnectAsync(
                Target(parse) with { Registry = parse.GetValue(Registry), KeyFile = parse.GetValue(Key) }, ct: ct);
            var mined = await client.RegisterLogAsync(origin, commitment, ct);
            var logId = "0x" + Hex.Encode(client.OwnLogId(origin));
            Print(parse, $"registered {origin} as {logId} (operator {client.Account}, key commitment {Hex.Encode(commitment)}) in tx {mined.Hash}", new()
            {
                ["origin"] = origin,
                ["logId"] = logId,
                ["operator"] = client.Account!.ToLowerInvariant(),
                ["keyCommitment"] = Hex.Encode(commitment),
                ["txHash"] = mined.Hash,
                ["blockNumber"] = mined.BlockNumber.ToString(CultureInfo.InvariantCulture),
            });
        }));
        return command;
    }

    private static Command Lookup()
    {
        var command = new Command("lookup", "Print the root anchored for a tree size, with its transaction, block and time.") { Rpc, Registry, Origin, Operator, Size, ChainId };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var origin = parse.GetValue(Origin)!;
            var size = parse.GetValue(Size);
            using var client = await AnchorRegistryClient.ConnectAsync(Target(parse) with { Registry = parse.GetValue(Registry) }, ct: ct);
            var logId = LogId.For(parse.GetValue(Operator)!, origin);
            var anchor = await client.LookupAsync(logId, size, ct)
                ?? throw new ChainException(ChainErrorCode.Rpc, $"size {size} of {origin} (log ID 0x{Hex.Encode(logId)}) is not anchored on chain {client.Target.ChainId} at {client.Target.Registry}");
            var time = anchor.BlockTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            Print(parse,
                $"root           {anchor.Root}\ntx             {anchor.TxHash}\nblock          {anchor.BlockNumber} {anchor.BlockHash}\ntime           {time}\nconfirmations  {anchor.Confirmations}",
                new()
                {
                    // The members of a proof bundle's anchors[] entry (DESIGN A3): every value a string.
                    ["chainId"] = anchor.ChainId.ToString(CultureInfo.InvariantCulture),
                    ["registry"] = anchor.Registry,
                    ["logId"] = anchor.LogId,
                    ["treeSize"] = anchor.TreeSize.ToString(CultureInfo.InvariantCulture),
                    ["root"] = anchor.Root,
                    ["txHash"] = anchor.TxHash,
                    ["blockNumber"] = anchor.BlockNumber.ToString(CultureInfo.InvariantCulture),
                    ["blockHash"] = anchor.BlockHash,
                    ["blockTime"] = time,
                });
        }));
        return command;
    }

    private static ChainTarget Target(ParseResult parse) =>
        new("cli", parse.GetValue(Rpc)!, parse.GetValue(ChainId)) { Confirmations = 1, Finality = FinalityRule.Confirmations, PollInterval = TimeSpan.FromSeconds(1) };

    private static void Print(ParseResult parse, string text, Dictionary<string, string> json) =>
        Console.Out.WriteLine(parse.GetValue(GlobalOptions.Json) ? JsonSerializer.Serialize(json) : text);

    /// <summary>Errors are one line on stderr and exit code 1; never a stack trace.</summary>
    private static async Task<int> Run(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("error: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message.ReplaceLineEndings(" "));
            return 1;
        }
    }
}
