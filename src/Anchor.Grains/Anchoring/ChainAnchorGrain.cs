using System.Globalization;
using Anchor.Chain;
using Anchor.Chain.Registry;
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
/// 1. finishes the transaction in flight, if any: it was signed and recorded (raw bytes, hash, nonce, size, root) before
///    it was sent, so after a crash at any point its hash is known; bytes no endpoint knows are sent again, a stuck one is
///    replaced (the replacement recorded before it is sent). Mined, its record gets the block and stays open; reverted,
///    the record is failed with the decoded reason (counted in anchor_anchor_tx_failed_total) and the round goes on;
///    its nonce used by another transaction, the record is orphaned;
/// 2. re-checks every open record (mined, not final yet): one a reorg removed is orphaned, and the chain's latest size
///    falls back, so step 3 anchors again; one that became final (the chain's finalized block, or the configured
///    confirmations) is confirmed, and only then may bundles name it;
/// 3. asks the sequencer's fork check whether the head contains every tree already published, the chain's latest
///    anchor included (never anchor a log that went backwards); adopts the chain's latest anchor of this log if it has
///    no record (sent, then the node crashed; or the larger anchor a SizeNotIncreasing revert ran into); then, if the
///    log is ahead of the chain, signs, records and sends one anchor for the round's seal (the head's checkpoint, kept,
///    unless a TSA of this round sealed one already: <see cref="SealStore"/>). One anchor covers every entry since the last.
/// A chain that is down only fails rounds: the ledger keeps accepting evidence meanwhile.
/// </summary>
public sealed partial class ChainAnchorGrain(SealedLog sealedLog, AnchorStore anchors, SealStore seals, IOptions<AnchoringOptions> options,
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
    private LogStore Log => sealedLog.Log;

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
        return await anchors.ReadNewestFinalAsync(Chain) is { } json ? StoredAnchor.FromJson(json).TreeSize : 0;
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
            client = await EnsureRegisteredAsync(client, ct);
            await FinishPendingAsync(client, ct);
            await CheckOpenAsync(client, ct);
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

    /// <summary>The chain's client; its event searches start at the configured FromBlock, or the block the log was registered in.</summary>
    private async Task<AnchorRegistryClient> ClientAsync(CancellationToken ct)
    {
        if (_client is not null) return _client;
        var target = _target.FromBlock == 0 && await anchors.ReadFromBlockAsync(Chain) is { } registered ? _target with { FromBlock = registered } : _target;
        return _client = await AnchorRegistryClient.ConnectAsync(target, logger: _logger, ct: ct);
    }

    private void DropClient()
    {
        _client?.Dispose();
        _client = null;
    }

    /// <summary>
    /// The log registers itself at first start under this node's account, with the commitment to this node's log key; the
    /// ID is the account's own, so another account that registered the same origin first took nothing from it. A log ID
    /// that holds another key commitment, or was handed to another operator, stops anchoring on this chain. The block of
    /// the registration is kept: no anchor of the log is older, so event searches start there.
    /// </summary>
    private async Task<AnchorRegistryClient> EnsureRegisteredAsync(AnchorRegistryClient client, CancellationToken ct)
    {
        if (_registered) return client;
        var logId = client.OwnLogId(Log.Origin);
        var logIdText = "0x" + Hex.Encode(logId);
        var commitment = RegistryLog.KeyCommitment(sealedLog.Signer.VerifierKey.ToString());
        var operatorAddress = await client.OperatorOfAsync(logId, ct);
        if (IsZero(operatorAddress))
        {
            var mined = await client.RegisterLogAsync(Log.Origin, commitment, ct);
            await anchors.SaveFromBlockAsync(Chain, mined.BlockNumber);
            LogRegistered(_logger, Log.Origin, Chain, logIdText, client.Account ?? "", mined.BlockNumber);
            DropClient();
            client = await ClientAsync(ct);
        }
        else if (!string.Equals(operatorAddress, client.Account, StringComparison.OrdinalIgnoreCase))
            throw new LogRegistrationMismatchException(Chain, logIdText, $"of '{Log.Origin}' is operated by {operatorAddress}, not by this node's account {client.Account}");
        else if (Hex.Encode(await client.KeyCommitmentOfAsync(logId, ct)) is var onChain && onChain != Hex.Encode(commitment))
            throw new LogRegistrationMismatchException(Chain, logIdText,
                $"of '{Log.Origin}' was registered with key commitment {onChain}, but this node's log key {sealedLog.Signer.VerifierKey} commits to {Hex.Encode(commitment)} (a new log key needs a new origin)");
        _logId = logId;
        _registered = true;
        return client;
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
            // A replacement is recorded before it is sent, with every hash so far: any of them may be the one mined.
            mined = await client.WaitForMinedAsync(pending.Sent, next => anchors.SavePendingAsync(Chain, (pending with { Sent = next }).ToJson()), bounded.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return; // Still in flight: the next round keeps waiting (and replaces it when stuck).
        }
        catch (NonceTakenException e)
        {
            // Another transaction used the nonce: this anchor never happened; anchor again in step 3.
            await EndPendingAsync(pending, AnchorStates.Orphaned, pending.Sent.Hash, e.Message);
            LogOrphaned(_logger, Chain, pending.TreeSize, e.Message);
            return;
        }
        catch (TransactionRevertedException e)
        {
            await FailPendingAsync(pending, e);
            return;
        }
        var record = await client.LookupTransactionAsync(mined.Hash, ct);
        _lastGasUsed = mined.GasUsed;
        // Mined, not yet final: the record is open, and step 2 confirms it (this round, if it is final already).
        await SaveAsync(new StoredAnchor(pending.RecordId, Chain, ToChainAnchor(record), AnchorStates.Pending, mined.GasUsed, Now(), "mined, not final yet"));
        await anchors.ClearPendingAsync(Chain);
        LogMined(_logger, Chain, pending.TreeSize, mined.Hash, mined.BlockNumber, mined.GasUsed);
    }

    /// <summary>
    /// A reverted anchor is recorded as failed with its reason and counted; the round goes on. SizeNotIncreasing because
    /// the chain already holds a larger anchor of this log (another sender with this key got there first) needs nothing
    /// else: step 3 adopts that anchor if its root is this log's (the fork check says so), and anchors above it otherwise.
    /// </summary>
    private async Task FailPendingAsync(PendingAnchor pending, TransactionRevertedException e)
    {
        var detail = $"{e.Reason}: {e.Description}";
        if (e.Error is SizeNotIncreasingError { } s && s.Last >= pending.TreeSize)
            detail += $"; the chain holds an anchor of size {s.Last} already (adopted if it is this log's)";
        AnchoringMetrics.TransactionFailed(Chain, e.Reason);
        await EndPendingAsync(pending, AnchorStates.Failed, e.TransactionHash, detail);
        LogReverted(_logger, Chain, pending.TreeSize, e.TransactionHash, detail);
    }

    private async Task EndPendingAsync(PendingAnchor pending, string state, string txHash, string detail)
    {
        await SaveAsync(new StoredAnchor(pending.RecordId, Chain, Unmined(pending) with { TxHash = txHash }, state, null, Now(), detail));
        await anchors.ClearPendingAsync(Chain);
    }

    /// <summary>
    /// Re-checks every open record, however many: each mined anchor that is not final yet. A reorg that dropped one makes
    /// it orphaned (the chain's latest size fell back with it, so step 3 anchors again); a final one is confirmed.
    /// </summary>
    private async Task CheckOpenAsync(AnchorRegistryClient client, CancellationToken ct)
    {
        var inFlight = await anchors.ReadPendingAsync(Chain) is { } json ? PendingAnchor.FromJson(json).RecordId : null;
        foreach (var record in (await anchors.ReadOpenAsync(Chain)).Select(StoredAnchor.FromJson).OrderBy(r => r.TreeSize))
        {
            if (record.Id == inFlight) continue;
            var a = record.Anchor;
            if (a.BlockNumber.Length == 0)
            {
                // Unmined and not in flight: the transaction it names is not tracked any more (a record of an older version).
                await SaveAsync(record with { State = AnchorStates.Orphaned, Detail = "not mined, and no transaction in flight", RecordedAt = Now() });
                continue;
            }
            var mined = new MinedTransaction(a.TxHash, 0, ulong.Parse(a.BlockNumber, CultureInfo.InvariantCulture), a.BlockHash, record.GasUsed ?? 0, 0, null);
            var status = await client.CheckMinedAsync(mined, ct);
            if (status.State == MinedState.Reorged)
            {
                await SaveAsync(record with { State = AnchorStates.Orphaned, Detail = status.Detail, RecordedAt = Now() });
                LogOrphaned(_logger, Chain, record.TreeSize, status.Detail);
                continue;
            }
            _lastConfirmations = status.Confirmations;
            if (!status.Final) continue;
            await SaveAsync(record with { State = AnchorStates.Confirmed, Detail = null, RecordedAt = Now() });
            LogAnchored(_logger, Chain, record.TreeSize, a.TxHash, mined.BlockNumber, status.Confirmations);
        }
    }

    /// <summary>
    /// A final record above the chain's latest size is gone from the chain (sizes only grow on it): a reorg deeper than the
    /// finality rule assumed (a dev chain told to reorg, a chain whose finality failed). Each is checked and orphaned, so
    /// bundles stop naming it and the log is anchored again. Reads only the records above that size.
    /// </summary>
    private async Task OrphanFinalAboveAsync(AnchorRegistryClient client, ulong onChain, CancellationToken ct)
    {
        foreach (var record in (await anchors.ReadFinalAboveAsync(Chain, onChain, 64)).Select(StoredAnchor.FromJson))
        {
            var a = record.Anchor;
            var mined = new MinedTransaction(a.TxHash, 0, ulong.Parse(a.BlockNumber, CultureInfo.InvariantCulture), a.BlockHash, record.GasUsed ?? 0, 0, null);
            if (await client.CheckMinedAsync(mined, ct) is not { State: MinedState.Reorged } status) continue;
            var detail = $"final, then removed by a reorg deeper than the finality rule: {status.Detail}";
            await SaveAsync(record with { State = AnchorStates.Orphaned, Detail = detail, RecordedAt = Now() });
            LogOrphaned(_logger, Chain, record.TreeSize, detail);
        }
    }

    private async Task AnchorNewestAsync(AnchorRegistryClient client, CancellationToken ct)
    {
        if (await anchors.ReadPendingAsync(Chain) is not null) return; // One transaction in flight per chain.
        var (onChain, onChainRoot) = await client.LatestAsync(_logId, ct);
        await OrphanFinalAboveAsync(client, onChain, ct);
        // Never anchor a head that lacks what was published (the chain's latest anchor among it): the sequencer's fork check
        // says so, and refuses to sequence as well.
        var published = onChain == 0 ? null : new PublishedTree(onChain, onChainRoot, $"the latest anchor on chain {Chain}");
        if (await sealedLog.CheckPublishedAsync(GrainFactory, published) is { } rolledBack)
            throw new LogRolledBackException($"{Chain}: not anchoring: {rolledBack}");
        var head = await sealedLog.HeadAsync(GrainFactory);
        if (head.Size == 0 || head.Checkpoint is null) return;
        await AdoptUnrecordedAsync(client, onChain, ct);
        if (onChain >= head.Size) return;

        // The round's seal, the checkpoint the TSAs time-stamp too: kept before it is published, so bundles can name it.
        if (await seals.CurrentAsync(head, options.Value.Interval) is not { } seal || onChain >= seal.Size) return;
        var signed = await client.PrepareAnchorAsync(_logId, seal.Size, seal.Root, FaultDrill.TakeAnchorGas(), ct);
        // Recorded before it is sent (signed bytes and hash included): a crash at any point from here on leaves a pending
        // transaction the next round resumes: it finds the receipt by hash, or sends the bytes again, or replaces them.
        var pending = new PendingAnchor(StoredAnchor.NewId(seal.Size), seal.Size, seal.RootHex, signed);
        await anchors.SavePendingAsync(Chain, pending.ToJson());
        await SaveAsync(new StoredAnchor(pending.RecordId, Chain, Unmined(pending), AnchorStates.Pending, null, Now(), null));
        await client.BroadcastAsync(signed, ct);
        FaultDrill.AfterAnchorSent();
        await FinishPendingAsync(client, ct);
        await CheckOpenAsync(client, ct);
    }

    /// <summary>
    /// The chain's latest anchor of this log gets a record if it has none: it was sent, then the node crashed before it
    /// could record it (older versions), or it is the larger anchor a SizeNotIncreasing revert ran into. Its root is this
    /// log's (the fork check compared it before); its record starts open, and step 2 confirms it once final.
    /// </summary>
    private async Task AdoptUnrecordedAsync(AnchorRegistryClient client, ulong onChain, CancellationToken ct)
    {
        if (onChain == 0) return;
        if ((await anchors.ReadFinalAtAsync(Chain, onChain)).Count > 0) return;
        if ((await anchors.ReadOpenAsync(Chain)).Select(StoredAnchor.FromJson).Any(r => r.TreeSize == onChain)) return;
        if (await Log.ReadKeptCheckpointAsync(onChain) is null) return; // Not ours to prove: no checkpoint was kept for it.
        if (await client.LookupAsync(_logId, onChain, ct) is not { } found) return;
        var id = StoredAnchor.NewId(onChain);
        await SaveAsync(new StoredAnchor(id, Chain, ToChainAnchor(found), AnchorStates.Pending, null, Now(), "found on chain without a record"));
        LogAdopted(_logger, Chain, onChain, found.TxHash);
    }

    private Task SaveAsync(StoredAnchor record) =>
        anchors.SaveRecordAsync(Chain, record.Id, record.TreeSize, record.ToJson().ToJsonString(),
            final: record.State == AnchorStates.Confirmed, open: record.State == AnchorStates.Pending);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anchoring round on {Chain} failed: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string chain, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered log {Origin} on {Chain} as {LogId} with operator {Account} in block {Block}")]
    private static partial void LogRegistered(ILogger logger, string origin, string chain, string logId, string account, ulong block);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anchor of size {Size} on {Chain} mined: tx {TxHash} in block {Block}, {Gas} gas")]
    private static partial void LogMined(ILogger logger, string chain, ulong size, string txHash, ulong block, ulong gas);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anchored size {Size} on {Chain}, final: tx {TxHash} in block {Block}, {Confirmations} confirmations")]
    private static partial void LogAnchored(ILogger logger, string chain, ulong size, string txHash, ulong block, ulong confirmations);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anchor of size {Size} on {Chain} reverted: tx {TxHash}: {Reason}")]
    private static partial void LogReverted(ILogger logger, string chain, ulong size, string txHash, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adopted the anchor of size {Size} on {Chain} found without a record: tx {TxHash}")]
    private static partial void LogAdopted(ILogger logger, string chain, ulong size, string txHash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anchor of size {Size} on {Chain} is orphaned: {Reason}")]
    private static partial void LogOrphaned(ILogger logger, string chain, ulong size, string reason);
}
