using System.Globalization;
using Anchor.Chain;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Anchor.Grains.Anchoring;

/// <summary>
/// Anchors the log's newest checkpoint on one chain every interval, when the log grew. A reminder
/// (persisted in Redis) brings the grain back on another silo after a silo is lost; a grain timer
/// runs the rounds. Each round:
/// 1. finishes the transaction in flight, if any (replacing it when stuck), and records it only after
///    the configured confirmations;
/// 2. re-checks the newest confirmed anchors: one a reorg removed is marked orphaned, and the chain's
///    latest size falls back, so step 3 anchors again;
/// 3. asks the sequencer's fork check whether the head contains every tree already published, the chain's latest
///    anchor included (never anchor a log that went backwards); then, if the log is ahead of the chain, sends one anchor
///    for the round's seal (the head's checkpoint, kept, unless a TSA of this round sealed one already:
///    <see cref="SealStore"/>), recording the transaction as soon as it is sent. One anchor covers every entry since the last.
///    An anchor found on chain without a record (a crash between sending and recording) is adopted once it
///    has the configured confirmations.
/// A chain that is down only fails rounds: the ledger keeps accepting evidence meanwhile.
/// </summary>
public sealed partial class ChainAnchorGrain(LogStore log, AnchorStore anchors, NoteSigner signer, SealStore seals, IOptions<AnchoringOptions> options,
    TimeProvider time, ILoggerFactory loggers) : Grain, IChainAnchorGrain, IRemindable
{
    private const string ReminderName = "anchor";
    private readonly ILogger _logger = loggers.CreateLogger<ChainAnchorGrain>();
    private ChainTarget _target = null!;
    private AnchorRegistryClient? _client;
    /// <summary>This node's log ID on the chain: keccak256(abi.encode(account, keccak256(origin))), known once registered.</summary>
    private byte[] _logId = [];
    private bool _registered;
    /// <summary>Set when the log ID is not this node's to anchor; every round then reports it and sends nothing.</summary>
    private LogRegistrationMismatchException? _stopped;
    private ulong? _lastGasUsed;
    private ulong? _lastConfirmations;

    private string Chain => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _target = options.Value.Chains.FirstOrDefault(c => c.Name == Chain)
            ?? throw new InvalidOperationException($"no chain named '{Chain}' is configured");
        var interval = options.Value.Interval;
        this.RegisterGrainTimer(ct => RoundAsync(ct), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), interval) { Interleave = false, KeepAlive = true });
        return base.OnActivateAsync(cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _client?.Dispose();
        _client = null;
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task Start() =>
        // Orleans' minimum reminder period is one minute; the timer does the rounds, the reminder only revives the grain.
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // Activation starts the timer.

    public async Task<ulong> AnchorNow()
    {
        await RoundAsync(CancellationToken.None);
        var records = await ReadRecordsAsync();
        return records.Where(r => r.State == AnchorStates.Confirmed).Select(r => r.TreeSize).DefaultIfEmpty(0UL).Max();
    }

    private async Task RoundAsync(CancellationToken ct)
    {
        string? account = null;
        string? balance = null;
        if (_stopped is not null)
        {
            await SaveRoundAsync("error", null, null, _stopped.Message);
            return;
        }
        try
        {
            var client = await ClientAsync(ct);
            account = client.Account;
            await EnsureRegisteredAsync(client, ct);
            await FinishPendingAsync(client, ct);
            await WatchReorgsAsync(client, ct);
            await AnchorNewestAsync(client, ct);
            if (account is not null) balance = (await client.BalanceAsync(account, ct)).ToString(CultureInfo.InvariantCulture);
            await SaveRoundAsync("ok", account, balance, null);
        }
        catch (Exception e) when (e is ChainException or HttpRequestException or TimeoutException or OperationCanceledException or IOException or LogRolledBackException)
        {
            LogRoundFailed(_logger, Chain, e.Message);
            if (e is LogRegistrationMismatchException stopped) _stopped = stopped;
            if (e is RpcUnreachableException or WrongChainIdException or RegistryNotDeployedException) DropClient();
            await SaveRoundAsync(e is RpcUnreachableException ? "down" : "error", account, balance, e.Message);
        }
    }

    private async Task<AnchorRegistryClient> ClientAsync(CancellationToken ct) =>
        _client ??= await AnchorRegistryClient.ConnectAsync(_target, logger: _logger, ct: ct);

    private void DropClient()
    {
        _client?.Dispose();
        _client = null;
    }

    /// <summary>
    /// The log registers itself at first start under this node's account, with the commitment to this node's log key; the
    /// ID is the account's own, so another account that registered the same origin first took nothing from it. A log ID
    /// that holds another key commitment, or was handed to another operator, stops anchoring on this chain.
    /// </summary>
    private async Task EnsureRegisteredAsync(AnchorRegistryClient client, CancellationToken ct)
    {
        if (_registered) return;
        var logId = client.OwnLogId(log.Origin);
        var logIdText = "0x" + Hex.Encode(logId);
        var commitment = RegistryLog.KeyCommitment(signer.VerifierKey.ToString());
        var operatorAddress = await client.OperatorOfAsync(logId, ct);
        if (IsZero(operatorAddress))
        {
            await client.RegisterLogAsync(log.Origin, commitment, ct);
            LogRegistered(_logger, log.Origin, Chain, logIdText, client.Account ?? "");
        }
        else if (!string.Equals(operatorAddress, client.Account, StringComparison.OrdinalIgnoreCase))
            throw new LogRegistrationMismatchException(Chain, logIdText, $"of '{log.Origin}' is operated by {operatorAddress}, not by this node's account {client.Account}");
        else if (Hex.Encode(await client.KeyCommitmentOfAsync(logId, ct)) is var onChain && onChain != Hex.Encode(commitment))
            throw new LogRegistrationMismatchException(Chain, logIdText,
                $"of '{log.Origin}' was registered with key commitment {onChain}, but this node's log key {signer.VerifierKey} commits to {Hex.Encode(commitment)} (a new log key needs a new origin)");
        _logId = logId;
        _registered = true;
    }

    private async Task FinishPendingAsync(AnchorRegistryClient client, CancellationToken ct)
    {
        if (await anchors.ReadPendingAsync(Chain) is not { } json) return;
        var pending = PendingAnchor.FromJson(json);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(RoundBudget);
        MinedTransaction mined;
        try
        {
            var replacements = new PersistReplacement(pending, anchors, Chain);
            mined = await client.WaitForMinedAsync(pending.Sent, replacements, bounded.Token);
            await replacements.FlushAsync();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return; // Still in flight: the next round keeps waiting (and replaces it when stuck).
        }
        catch (NonceTakenException e)
        {
            // Another transaction used the nonce: this anchor never happened; anchor again in step 3.
            await OrphanPendingAsync(pending, e.Message);
            return;
        }
        try
        {
            await client.WaitForConfirmationsAsync(mined, bounded.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return;
        }
        catch (TransactionReorgedException e)
        {
            await OrphanPendingAsync(pending, e.Message);
            return;
        }
        var record = await client.LookupTransactionAsync(mined.Hash, ct);
        _lastGasUsed = mined.GasUsed;
        await anchors.SaveRecordAsync(Chain, pending.RecordId, new StoredAnchor(pending.RecordId, Chain, ToChainAnchor(record), AnchorStates.Confirmed, mined.GasUsed, Now(), null).ToJson().ToJsonString());
        await anchors.ClearPendingAsync(Chain);
        LogAnchored(_logger, Chain, pending.TreeSize, mined.Hash, mined.BlockNumber, mined.GasUsed);
    }

    private async Task OrphanPendingAsync(PendingAnchor pending, string why)
    {
        await anchors.SaveRecordAsync(Chain, pending.RecordId, new StoredAnchor(pending.RecordId, Chain, Unmined(pending), AnchorStates.Orphaned, null, Now(), why).ToJson().ToJsonString());
        await anchors.ClearPendingAsync(Chain);
        LogOrphaned(_logger, Chain, pending.TreeSize, why);
    }

    /// <summary>Re-checks the newest confirmed anchors: a reorg that drops one makes it orphaned.</summary>
    private async Task WatchReorgsAsync(AnchorRegistryClient client, CancellationToken ct)
    {
        var confirmed = (await ReadRecordsAsync()).Where(r => r.State == AnchorStates.Confirmed).TakeLast(options.Value.ReorgWatch);
        foreach (var record in confirmed)
        {
            var a = record.Anchor;
            var mined = new MinedTransaction(a.TxHash, 0, ulong.Parse(a.BlockNumber, CultureInfo.InvariantCulture), a.BlockHash, record.GasUsed ?? 0, 0, null);
            var status = await client.CheckMinedAsync(mined, ct);
            if (status.State != MinedState.Reorged)
            {
                _lastConfirmations = status.Confirmations;
                continue;
            }
            await anchors.SaveRecordAsync(Chain, record.Id, (record with { State = AnchorStates.Orphaned, Detail = status.Detail, RecordedAt = Now() }).ToJson().ToJsonString());
            LogOrphaned(_logger, Chain, record.TreeSize, status.Detail);
        }
    }

    private async Task AnchorNewestAsync(AnchorRegistryClient client, CancellationToken ct)
    {
        if (await anchors.ReadPendingAsync(Chain) is not null) return; // One transaction in flight per chain.
        var (onChain, onChainRoot) = await client.LatestAsync(_logId, ct);
        // Never anchor a head that lacks what was published (the chain's latest anchor among it): the sequencer's fork check
        // says so, and refuses to sequence as well.
        var published = onChain == 0 ? null : new PublishedTree(onChain, onChainRoot, $"the latest anchor on chain {Chain}");
        if (await GrainFactory.GetGrain<ISequencerGrain>(log.Origin).CheckPublished(published) is { } rolledBack)
            throw new LogRolledBackException($"{Chain}: not anchoring: {rolledBack}");
        var head = await log.ReadHeadAsync();
        if (head.Size == 0 || head.Checkpoint is null) return;
        await AdoptUnrecordedAsync(client, onChain, ct);
        if (onChain == head.Size) return;

        // The round's seal, the checkpoint the TSAs time-stamp too: kept before it is published, so bundles can name it.
        if (await seals.CurrentAsync(head, options.Value.Interval) is not { } seal || onChain >= seal.Size) return;
        var sent = await client.SubmitAnchorAsync(_logId, seal.Size, seal.Root, ct);
        // Recorded right after sending (before waiting): a crash now leaves a pending record to resume.
        var pending = new PendingAnchor(StoredAnchor.NewId(seal.Size), seal.Size, seal.RootHex, sent);
        await anchors.SavePendingAsync(Chain, pending.ToJson());
        await anchors.SaveRecordAsync(Chain, pending.RecordId, new StoredAnchor(pending.RecordId, Chain, Unmined(pending), AnchorStates.Pending, null, Now(), null).ToJson().ToJsonString());
        await FinishPendingAsync(client, ct);
    }

    /// <summary>
    /// The chain's latest anchor of this log gets a record if it has none (it was sent, then the node stopped), once it
    /// has the configured confirmations.
    /// </summary>
    private async Task AdoptUnrecordedAsync(AnchorRegistryClient client, ulong onChain, CancellationToken ct)
    {
        if (onChain == 0) return;
        if ((await ReadRecordsAsync()).Any(r => r.TreeSize == onChain && r.State == AnchorStates.Confirmed)) return;
        if (await log.ReadKeptCheckpointAsync(onChain) is null) return; // Not ours to prove: no checkpoint was kept for it.
        if (await client.LookupAsync(_logId, onChain, ct) is not { } found) return;
        // Like an anchor this node waits for, a found one counts only with the configured confirmations: until then a
        // bundle must not name it (a reorg could still drop it), and a later round looks again.
        if (found.Confirmations < (ulong)Math.Max(1, _target.Confirmations)) return;
        var id = StoredAnchor.NewId(onChain);
        await anchors.SaveRecordAsync(Chain, id, new StoredAnchor(id, Chain, ToChainAnchor(found), AnchorStates.Confirmed, null, Now(), "found on chain without a record").ToJson().ToJsonString());
    }

    private async Task<List<StoredAnchor>> ReadRecordsAsync() =>
        [.. (await anchors.ReadRecordsAsync(Chain)).Select(r => StoredAnchor.FromJson(r.Json))];

    private Task SaveRoundAsync(string state, string? account, string? balance, string? error) =>
        anchors.SaveStatusAsync(Chain, new AnchoringRound(state, account, balance, _lastGasUsed, _lastConfirmations, error, Now()).ToJson());

    private TimeSpan RoundBudget => options.Value.Interval * 3 + _target.PollInterval * 4;

    private string Now() => Times.ToText(time.GetUtcNow());

    /// <summary>The anchor of a transaction that is not (or no longer) in a block: its block fields are empty.</summary>
    private ChainAnchor Unmined(PendingAnchor pending) => new(
        _target.ChainId.ToString(CultureInfo.InvariantCulture), _target.Registry!.ToLowerInvariant(), "0x" + Hex.Encode(_logId),
        pending.TreeSize.ToString(CultureInfo.InvariantCulture), pending.Root, pending.Sent.Hash, "", "", "");

    private static ChainAnchor ToChainAnchor(AnchorRecord r) => new(
        r.ChainId.ToString(CultureInfo.InvariantCulture), r.Registry, r.LogId, r.TreeSize.ToString(CultureInfo.InvariantCulture), r.Root,
        r.TxHash, r.BlockNumber.ToString(CultureInfo.InvariantCulture), r.BlockHash, Times.ToText(r.BlockTime));

    private static bool IsZero(string address) => address.TrimStart('0', 'x').Length == 0 || address.All(c => c is '0' or 'x' or 'X');

    /// <summary>Persists each replacement as it is sent, so a restart watches every hash that could be mined.</summary>
    private sealed class PersistReplacement(PendingAnchor pending, AnchorStore store, string chain) : IProgress<SentTransaction>
    {
        private readonly List<Task> _writes = [];

        // Called synchronously inside the wait loop, right after a replacement is sent; the write is awaited by FlushAsync.
        public void Report(SentTransaction value) => _writes.Add(store.SavePendingAsync(chain, (pending with { Sent = value }).ToJson()));

        public Task FlushAsync() => Task.WhenAll(_writes);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anchoring round on {Chain} failed: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string chain, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered log {Origin} on {Chain} as {LogId} with operator {Account}")]
    private static partial void LogRegistered(ILogger logger, string origin, string chain, string logId, string account);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anchored size {Size} on {Chain}: tx {TxHash} in block {Block}, {Gas} gas")]
    private static partial void LogAnchored(ILogger logger, string chain, ulong size, string txHash, ulong block, ulong gas);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anchor of size {Size} on {Chain} is orphaned: {Reason}")]
    private static partial void LogOrphaned(ILogger logger, string chain, ulong size, string reason);
}
