using Anchor.Core.Verification;

namespace Anchor.Cli.Report;

/// <summary>
/// The verifier's checks in plain words, Chinese and English: what each one proves (docs/verification.md's table) and
/// how it came out. The verifier's own detail, with the values it compared, is shown beside them unchanged.
/// </summary>
public static class CheckWording
{
    public static Words Status(CheckStatus status) => status switch
    {
        CheckStatus.Pass => new("通过", "PASSED"),
        CheckStatus.Fail => new("不通过", "FAILED"),
        CheckStatus.NotChecked => new("未核验", "NOT CHECKED"),
        _ => new("说明", "NOTE"),
    };

    private static readonly Dictionary<string, (Words Name, Words Meaning)> Fixed = new()
    {
        ["file digest"] = (new("文件摘要", "file digest"), new("所持文件的摘要等于登记的证据摘要：即登记的那份文件", "the document you hold is the one whose digest was registered")),
        ["key registration"] = (new("密钥登记", "key registration"), new("签名密钥在本记录之前已在本日志中为该提供方登记，并附有效的持有证明", "the signing key was registered for this provider in this log before the record, with a valid proof of possession")),
        ["provider identity"] = (new("提供方身份", "provider identity"), new("密钥的证书链通往信任文件中的 CA，且在记录时有效", "the key's certificate chain leads to a CA of the trust file and was valid at the record's time")),
        ["provider signature"] = (new("提供方签名", "provider signature"), new("持有登记密钥的提供方签署了这份证据", "the provider holding the registered key signed this evidence")),
        ["batch path"] = (new("批次路径", "batch path"), new("该记录属于提供方签署的批次", "the record is in the batch the provider signed")),
        ["leaf hash"] = (new("叶哈希", "leaf hash"), new("条目自进入日志以来未被改动", "the entry was not changed since it was sequenced")),
        ["inclusion proof"] = (new("包含证明", "inclusion proof"), new("条目在日志的默克尔树中", "the entry is in the log's Merkle tree")),
        ["key registration inclusion"] = (new("密钥登记的包含证明", "key registration inclusion"), new("密钥登记条目在同一棵树中", "the key's registration entry is in the same tree")),
        ["checkpoint signature"] = (new("检查点签名", "checkpoint signature"), new("日志的受信任密钥签署了这棵树", "a trusted key of the log signed that tree")),
        ["checkpoint matches proof"] = (new("检查点与证明一致", "checkpoint matches proof"), new("签署的树正是包含证明所指的树", "the signed tree is the one the proof leads to")),
        ["root log"] = (new("根日志", "root log"), new("封存本日志的根日志是信任文件为它指定的", "the root log that seals this log is the one the trust file names for it")),
        ["root leaf"] = (new("根日志叶", "root leaf"), new("本日志的检查点正文是根日志的一个叶", "this log's checkpoint body is a leaf of the root log")),
        ["root inclusion"] = (new("根日志包含证明", "root inclusion"), new("本日志的检查点在根日志的默克尔树中", "this log's checkpoint is in the root log's Merkle tree")),
        ["root checkpoint signature"] = (new("根检查点签名", "root checkpoint signature"), new("根日志的受信任密钥签署了根日志的树", "a trusted key of the root log signed the root tree")),
        ["root checkpoint matches proof"] = (new("根检查点与证明一致", "root checkpoint matches proof"), new("签署的根树正是根包含证明所指的树；锚定和时间戳针对这棵树", "the signed root tree is the one the root proof leads to; the anchors and time-stamps seal it")),
    };

    private static readonly Dictionary<string, (Words Name, Words Meaning)> AnchorSteps = new()
    {
        ["names this tree"] = (new("锚定的树", "names this tree"), new("锚定记录的树大小和根与证明相同", "the anchor is for the same tree size and root as the proof")),
        ["registry"] = (new("登记合约", "registry"), new("锚定所在的合约和日志 ID 是信任文件为该链列出的", "the anchor names a registry and log ID the trust file lists for its chain")),
        ["on chain"] = (new("链上核验", "on chain"), new("在链上查验该锚定（需提供该链的 RPC）", "the anchor checked on its chain (needs an RPC for that chain)")),
        ["lookup"] = (new("链上查询", "lookup"), new("向链查询锚定", "the chain was asked about the anchor")),
        ["transaction"] = (new("交易", "transaction"), new("交易成功，且发往受信任的登记合约", "the transaction succeeded and went to the trusted registry")),
        ["Anchored event"] = (new("锚定事件", "Anchored event"), new("合约的 Anchored 事件载有受信任的日志 ID、树大小和根", "the registry's Anchored event carries the trusted log ID, the size and the root")),
        ["rootAt"] = (new("链上存储的根", "rootAt"), new("合约为该树大小存储的根与证明相同", "the registry stores the same root for that size")),
        ["operator"] = (new("运营方", "operator"), new("该日志 ID 由信任文件所列的运营账户运营", "the log ID is run by the operator the trust file names")),
        ["key commitment"] = (new("密钥承诺", "key commitment"), new("链上登记的日志就是受信任密钥签署的日志", "the log registered there is the one the trusted key signs for")),
        ["block"] = (new("区块", "block"), new("区块在其高度上是规范链的区块", "the block is canonical at its height")),
        ["confirmations"] = (new("确认数", "confirmations"), new("区块有足够的确认数", "the block has enough confirmations")),
        ["block time"] = (new("区块时间", "block time"), new("条目最迟在该区块时间已经存在", "the entry existed by this block's time at the latest")),
    };

    private static readonly Dictionary<string, (Words Name, Words Meaning)> TsaSteps = new()
    {
        ["token"] = (new("时间戳令牌", "token"), new("RFC 3161 时间戳令牌可以解析", "the RFC 3161 token parses")),
        ["imprint"] = (new("时间戳印记", "imprint"), new("令牌所盖的正是本证据包检查点的摘要", "the token time-stamps the digest of this bundle's checkpoint")),
        ["signature"] = (new("时间戳签名", "signature"), new("时间戳机构的签名有效，签名证书可用于时间戳", "the TSA's signature verifies and its certificate is for time-stamping")),
        ["trusted root"] = (new("时间戳受信任根", "trusted root"), new("时间戳机构的证书链通往信任文件所列的根", "the TSA chains to a root in the trust file")),
        ["node clock"] = (new("节点时钟", "node clock"), new("节点的接收时间不晚于时间戳机构的时间", "the node's received time is not later than the TSA's time")),
    };

    /// <summary>The step's name and what it proves, in both languages; a name the table does not know is shown as it is.</summary>
    public static (Words Name, Words Meaning) Describe(string name)
    {
        if (Fixed.TryGetValue(name, out var known)) return known;
        foreach (var (prefix, steps, zh) in new[] { ("anchor chain ", AnchorSteps, "链 {0} 锚定"), ("tsa ", TsaSteps, "时间戳机构 {0}") })
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = name[prefix.Length..];
            var space = rest.IndexOf(' ');
            if (space <= 0) continue;
            var (subject, step) = (rest[..space], rest[(space + 1)..]);
            if (!steps.TryGetValue(step, out var s)) continue;
            var head = new Words(string.Format(System.Globalization.CultureInfo.InvariantCulture, zh, subject), prefix + subject);
            return (new Words($"{head.Zh}：{s.Name.Zh}", $"{head.En} {s.Name.En}"), s.Meaning);
        }
        return (Words.Same(name), Words.Same(""));
    }
}
