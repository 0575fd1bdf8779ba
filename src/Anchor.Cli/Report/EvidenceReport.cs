using System.Globalization;
using System.Security.Cryptography;
using Anchor.Core.Identity;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Timestamping;
using Anchor.Core.Verification;

namespace Anchor.Cli.Report;

/// <summary>How a report's headline reads: the verifier's outcome and exit code in a word a reader takes in at a glance.</summary>
public enum ReportVerdict { Passed, Failed, NotFullyVerified, Unverified, Untrusted }

/// <summary>One line of a section: what it is, its value, and on whose authority (node clock, TSA, chain) where that matters.</summary>
public sealed record ReportRow(Words Label, Words Value, Words? Authority = null);

public sealed record ReportSection(Words Title, IReadOnlyList<ReportRow> Rows);

/// <summary>One check of the verifier: its name and meaning in plain words, its result, and the verifier's detail unchanged.</summary>
public sealed record ReportStep(Words Name, Words Meaning, CheckStatus Status, string Detail);

/// <summary>A file attached to the report (the bundle, the trust file), by the name the re-check command uses.</summary>
public sealed record ReportAttachment(string Name, byte[] Bytes, string Description);

/// <summary>
/// The evidence report (出证报告): a verification by Core's one verifier, laid out for a reader who does not read JSON.
/// Nothing here checks anything: every result comes from the <see cref="VerificationReport"/>; the bundle only supplies
/// the facts (times, hashes, names) the checks speak of. The PDF and HTML writers lay out this one model.
/// </summary>
public sealed class EvidenceReport
{
    private static readonly TimeSpan ChinaStandardTime = TimeSpan.FromHours(8);

    public required string EvidenceNumber { get; init; }
    public required DateTimeOffset ReportTime { get; init; }
    public required ReportVerdict Verdict { get; init; }
    public required int ExitCode { get; init; }
    /// <summary>The verifier's verdict line, verbatim (English).</summary>
    public required string VerdictText { get; init; }
    public required IReadOnlyList<ReportStep> Failed { get; init; }
    public required IReadOnlyList<ReportSection> Sections { get; init; }
    public required IReadOnlyList<ReportStep> Steps { get; init; }
    public required string Command { get; init; }
    /// <summary>The verification page's address for this record (what the QR code encodes), null when none is known.</summary>
    public required string? PageUrl { get; init; }
    public required string BundleSha256 { get; init; }
    public required IReadOnlyList<ReportAttachment> Attachments { get; init; }

    public static Words Heading(ReportVerdict verdict) => verdict switch
    {
        ReportVerdict.Passed => new("通过", "PASSED"),
        ReportVerdict.Failed => new("不通过", "FAILED"),
        ReportVerdict.NotFullyVerified => new("未完全核验", "NOT FULLY VERIFIED"),
        ReportVerdict.Unverified => new("未核验", "UNVERIFIED"),
        _ => new("不受信任", "UNTRUSTED"),
    };

    public static Words Explanation(ReportVerdict verdict) => verdict switch
    {
        ReportVerdict.Passed => new("每一项检查都依据核验方选定的信任根通过。", "Every check passed against the roots the verifier chose."),
        ReportVerdict.Failed => new("至少一项检查不通过：该证据包不能证明其所称内容。不通过的项目列在下方。", "At least one check failed: the bundle does not prove what it states. The failed checks are listed below."),
        ReportVerdict.NotFullyVerified => new("未发现不通过的检查，但有检查未能运行（如未提供链的 RPC），结论不完整。", "No check failed, but some could not run (for example no RPC for a chain): the result is incomplete."),
        ReportVerdict.Unverified => new("没有适用的受信任根：本报告不认定任何内容有效。", "No trusted root applies: this report calls nothing valid."),
        _ => new("只用了证据包自带的日志密钥和合约，没有依据核验方选定的根。", "Only the bundle's own log key and registry were used, no root the verifier chose."),
    };

    /// <summary>A time in China Standard Time with UTC beside it; the text as it stands when it is not an Anchor time.</summary>
    public static Words Time(string utcText) =>
        Times.TryParse(utcText, out var time) ? Time(time) : Words.Same(utcText);

    public static Words Time(DateTimeOffset time)
    {
        var cst = time.ToOffset(ChinaStandardTime).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var utc = Times.ToText(time);
        return new($"{cst} 北京时间 (UTC+8)  ·  UTC {utc}", $"{cst} China Standard Time (UTC+8)  ·  UTC {utc}",
            $"{cst} 北京时间 China Standard Time (UTC+8)  ·  UTC {utc}");
    }

    /// <summary>
    /// The verification page's address for a record: the node's URL, <c>/verify</c>, and <c>#origin/leafIndex</c>. The node
    /// URL is <paramref name="pageUrl"/> when given, else https:// and the origin's host when the origin starts with one.
    /// </summary>
    public static string? PageAddress(string? pageUrl, string origin, string leafIndex)
    {
        var node = pageUrl;
        if (node is null)
        {
            var host = origin.Split('/')[0];
            if (!host.Contains('.', StringComparison.Ordinal) || Uri.CheckHostName(host.Split(':')[0]) == UriHostNameType.Unknown) return null;
            node = "https://" + host;
        }
        return $"{node.TrimEnd('/')}/verify#{origin}/{leafIndex}";
    }

    public static EvidenceReport Build(VerifiedBundle verified, ReportInputs inputs, DateTimeOffset now)
    {
        var (bundle, report) = (verified.Bundle, verified.Report);
        var origin = bundle.Checkpoint.Split('\n')[0];
        var steps = report.Checks.Select(c =>
        {
            var (name, meaning) = CheckWording.Describe(c.Name);
            return new ReportStep(name, meaning, c.Status, c.Detail);
        }).ToList();
        var verdict = report.Outcome switch
        {
            VerificationOutcome.Invalid => ReportVerdict.Failed,
            VerificationOutcome.Unverified => ReportVerdict.Unverified,
            VerificationOutcome.Untrusted => ReportVerdict.Untrusted,
            _ => report.ExitCode == 0 ? ReportVerdict.Passed : ReportVerdict.NotFullyVerified,
        };
        var attachments = new List<ReportAttachment> { new(inputs.BundleName, verified.BundleBytes, "proof bundle (anchor-proof/v1)") };
        if (inputs.TrustName is not null && inputs.TrustBytes is not null) attachments.Add(new(inputs.TrustName, inputs.TrustBytes, "trust file (anchor-trust/v1)"));
        return new EvidenceReport
        {
            EvidenceNumber = $"{origin}/{bundle.LeafIndex}",
            ReportTime = now,
            Verdict = verdict,
            ExitCode = report.ExitCode,
            VerdictText = report.Verdict,
            Failed = [.. steps.Where(s => s.Status == CheckStatus.Fail)],
            Sections =
            [
                new(new("证据编号", "Evidence"), [
                    new(new("证据编号", "evidence number"), Words.Same($"{origin}/{bundle.LeafIndex}"), new("日志名称/条目序号", "log origin/leaf index")),
                    new(new("报告时间", "report time"), Time(now), new("本机时钟", "this computer's clock")),
                ]),
                new(new("谁：提交方", "Who"), Who(bundle, report)),
                new(new("什么：证据内容", "What"), What(bundle, report, inputs.FileName)),
                new(new("何时：时间", "When"), When(bundle, report)),
                new(new("何处：区块链锚定", "Where"), Where(bundle, report)),
                new(new("依据的信任根", "Trust roots used"), TrustRoots(verified.Trust, inputs, report)),
            ],
            Steps = steps,
            Command = inputs.Command,
            PageUrl = PageAddress(inputs.PageUrl, origin, bundle.LeafIndex),
            BundleSha256 = Convert.ToHexStringLower(SHA256.HashData(verified.BundleBytes)),
            Attachments = attachments,
        };
    }

    private static CheckStatus? StatusOf(VerificationReport report, string name) => report.Checks.FirstOrDefault(c => c.Name == name)?.Status;

    private static Words Checked(CheckStatus? status, Words what)
    {
        if (status is not { } s) return what;
        var result = CheckWording.Status(s);
        return new($"{what.Zh}（{result.Zh}）", $"{what.En} ({result.En})", what.Zh == what.En ? $"{what.Zh} ({result.Zh} {result.En})" : null);
    }

    private static List<ReportRow> Who(ProofBundle bundle, VerificationReport report)
    {
        var registration = bundle.KeyEntry.Entry;
        var rows = new List<ReportRow>
        {
            new(new("提供方", "provider"), Words.Same(bundle.Entry.Provider)),
            new(new("签名密钥", "signing key"), new(
                $"{bundle.Entry.KeyId}（{SignatureAlgs.ToWire(registration.Key.Alg)}），登记于条目 {bundle.KeyEntry.LeafIndex}",
                $"{bundle.Entry.KeyId} ({SignatureAlgs.ToWire(registration.Key.Alg)}), registered in entry {bundle.KeyEntry.LeafIndex}",
                $"{bundle.Entry.KeyId} ({SignatureAlgs.ToWire(registration.Key.Alg)}), 登记于条目 / registered in entry {bundle.KeyEntry.LeafIndex}")),
        };
        var identity = StatusOf(report, "provider identity");
        if (registration.Key.Certificates is not { Count: > 0 } certificates)
        {
            rows.Add(new(new("证书", "certificate"), new("无：密钥未经 CA 认证，提供方身份以运营方的陈述为准", "none: the key is not certified by a CA; the provider's identity rests on the operator's word")));
            return rows;
        }
        CertificateIdentity leaf;
        try { leaf = CertificateIdentity.Read(Convert.FromBase64String(certificates[0])); }
        catch (Exception e) when (e is AnchorException or FormatException)
        {
            rows.Add(new(new("证书", "certificate"), new("证书无法解析", "the leaf certificate does not parse")));
            return rows;
        }
        var validated = identity == CheckStatus.Pass ? new Words("已核验：证书链通往受信任的 CA", "validated: the chain leads to a trusted CA")
            : new Words("未通过核验：见核验步骤「提供方身份」", "NOT validated: see the step 'provider identity'");
        rows.Add(new(new("证书主体", "certificate subject"), Words.Same(leaf.Subject), validated));
        if (leaf.CreditCode is not null) rows.Add(new(new("统一社会信用代码", "unified social credit code"), Words.Same(leaf.CreditCode)));
        rows.Add(new(new("证书签发者", "certificate issuer"), Words.Same(leaf.Issuer)));
        rows.Add(new(new("证书序列号", "certificate serial"), Words.Same(leaf.SerialNumber)));
        return rows;
    }

    private static List<ReportRow> What(ProofBundle bundle, VerificationReport report, string? fileName)
    {
        var evidence = bundle.Entry.Evidence;
        var rows = new List<ReportRow>
        {
            new(new("摘要算法", "hash algorithm"), Words.Same(evidence.HashAlg)),
            new(new("摘要", "hash"), Words.Same(evidence.Hash)),
            new(new("合同编号", "contract ID"), Words.Same(evidence.ContractId)),
            new(new("类型", "kind"), Words.Same(evidence.Kind)),
        };
        if (bundle.Entry.Batch is { } batch) rows.Add(new(new("批次", "batch"), new($"批次根 {batch.Root} 中第 {batch.Index} 条（共 {batch.Size} 条）", $"record {batch.Index} of {batch.Size} in batch root {batch.Root}")));
        rows.Add(fileName is null
            ? new(new("文件", "file"), new("未提供文件：未核对文件本身", "no file given: the document itself was not checked"))
            : new(new("文件", "file"), Checked(StatusOf(report, "file digest"), Words.Same(fileName))));
        return rows;
    }

    private static List<ReportRow> When(ProofBundle bundle, VerificationReport report)
    {
        var rows = new List<ReportRow>
        {
            new(new("客户端时间", "client time"), Time(bundle.Entry.Evidence.ClientTime), new("提供方时钟（未经核验）", "provider's clock (unchecked)")),
            new(new("接收时间", "received"), Time(bundle.Entry.ReceivedAt), new("节点时钟", "node clock")),
        };
        foreach (var stamp in bundle.Timestamps)
        {
            var authority = new Words($"时间戳机构 {stamp.Tsa}", $"TSA {stamp.Tsa}");
            TsaToken token;
            try { token = TsaToken.Read(Convert.FromBase64String(stamp.Token)); }
            catch (Exception e) when (e is FormatException or TsaException)
            {
                rows.Add(new(new("时间戳", "TSA time"), new("令牌无法解析", "the token does not parse"), authority));
                continue;
            }
            var prefix = $"tsa {stamp.Tsa} ";
            var stampChecks = report.Checks.Where(c => c.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            var status = stampChecks.Any(c => c.Status == CheckStatus.Fail) ? CheckStatus.Fail
                : stampChecks.All(c => c.Status == CheckStatus.Pass) ? CheckStatus.Pass : CheckStatus.NotChecked;
            var time = Time(token.GenTime);
            var accuracy = token.Accuracy == TimeSpan.Zero ? new Words("精度未说明", "accuracy not stated") : new Words($"精度 {token.AccuracyText}", $"accuracy {token.AccuracyText}");
            rows.Add(new(new("时间戳时间", "TSA time"),
                new($"{time.Zh}，{accuracy.Zh}", $"{time.En}, {accuracy.En}", $"{time.Both}, {accuracy.En}"),
                Checked(status, authority)));
        }
        foreach (var anchor in bundle.Anchors)
        {
            var authority = new Words($"区块链 {anchor.ChainId}，区块 {anchor.BlockNumber}", $"chain {anchor.ChainId}, block {anchor.BlockNumber}");
            rows.Add(new(new("区块时间", "block time"), Time(anchor.BlockTime), Checked(StatusOf(report, $"anchor chain {anchor.ChainId} block time") ?? CheckStatus.NotChecked, authority)));
        }
        if (report.Summary.FirstOrDefault(l => l.Label == "no later than") is { } existed)
            rows.Add(new(new("存在时间不晚于", "existed no later than"), Words.Same(existed.Text), new("核验方认定", "as verified")));
        else rows.Add(new(new("存在时间", "existence time"), new("未得到证明：没有通过核验的时间戳或链上锚定", "not proven: no verified TSA time-stamp or anchor checked on chain")));
        return rows;
    }

    private static List<ReportRow> Where(ProofBundle bundle, VerificationReport report)
    {
        if (bundle.Anchors.Count == 0) return [new(new("锚定", "anchor"), new("尚无链上锚定", "not anchored on a chain yet"))];
        var rows = new List<ReportRow>();
        foreach (var a in bundle.Anchors)
        {
            var label = $"anchor chain {a.ChainId}";
            var onChain = report.Checks.Where(c => c.Name.StartsWith(label + " ", StringComparison.Ordinal)).ToList();
            var status = onChain.Any(c => c.Status == CheckStatus.Fail) ? CheckStatus.Fail
                : onChain.All(c => c.Status is CheckStatus.Pass or CheckStatus.Info) ? CheckStatus.Pass : CheckStatus.NotChecked;
            rows.Add(new(new("链", "chain"), Words.Same(a.ChainId), Checked(status, new("锚定核验", "anchor checks"))));
            rows.Add(new(new("登记合约", "registry"), Words.Same(a.Registry)));
            rows.Add(new(new("交易哈希", "transaction hash"), Words.Same(a.TxHash)));
            rows.Add(new(new("区块号", "block number"), Words.Same(a.BlockNumber)));
            rows.Add(new(new("区块哈希", "block hash"), Words.Same(a.BlockHash)));
        }
        return rows;
    }

    private static List<ReportRow> TrustRoots(TrustFile? trust, ReportInputs inputs, VerificationReport report)
    {
        if (trust is null) return [new(new("信任文件", "trust file"), new("未提供", "none given"))];
        var rows = new List<ReportRow>
        {
            new(new("信任文件指纹", "trust file fingerprint"), Words.Same(trust.Fingerprint()), new("其 RFC 8785 形式的 SHA-256", "SHA-256 of its RFC 8785 form")),
        };
        if (inputs.TrustBytes is not null)
            rows.Add(new(new("信任文件", "trust file"), Words.Same($"{inputs.TrustName}, SHA-256 {Convert.ToHexStringLower(SHA256.HashData(inputs.TrustBytes))}"), new("作为附件", "attached")));
        foreach (var log in trust.Logs)
        {
            foreach (var key in log.Keys) rows.Add(new(new("日志密钥", "log key"), Words.Same(key)));
            foreach (var c in log.Chains)
                rows.Add(new(new("受信任的合约", "trusted registry"), Words.Same($"chain {c.ChainId}, registry {c.Registry}, operator {c.Operator}, logId {c.LogId}")));
        }
        foreach (var (pems, label) in new[] { (trust.TsaRoots, new Words("时间戳机构根证书", "TSA root")), (trust.ProviderRoots, new Words("提供方 CA 根证书", "provider CA root")) })
            foreach (var pem in pems)
            {
                try
                {
                    var root = CertificateIdentity.Read(CertificatePem.Decode(pem, "root"));
                    rows.Add(new(label, Words.Same($"{root.Subject}, SHA-256 {root.Fingerprint}")));
                }
                catch (AnchorException) { rows.Add(new(label, new("无法解析", "does not parse"))); }
            }
        if (report.Summary.FirstOrDefault(l => l.Label == "trusted roots") is { } line)
            rows.Add(new(new("核验所用", "used"), Words.Same(line.Text)));
        return rows;
    }
}

/// <summary>What the command line adds to the verification: the names the report shows and attaches, and the page.</summary>
public sealed record ReportInputs(string BundleName, string? TrustName, byte[]? TrustBytes, string? FileName, string? PageUrl, string Command);
