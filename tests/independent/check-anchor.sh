#!/usr/bin/env bash
# Checks the first anchor of a proof bundle on its chain by hand, as docs/verification.md ("5. The chain")
# describes: JSON-RPC with curl, JSON read with node, the key commitment with sha256sum. Written from the
# contract's ABI (selectors from solc's methodIdentifiers), not from Anchor's code.
#
#   check-anchor.sh BUNDLE TRUST RPC_URL      exit 0 when every line is ✓, 1 otherwise
#
# The registry, operator, log ID and log key come from the trust file (the verifier's choice), never from the bundle.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 BUNDLE TRUST RPC_URL" >&2; exit 2; }
bundle=$(realpath "$1") trust=$(realpath "$2") RPC=$3

field() { node -p "const b = require(process.argv[1]); $2" "$1"; }
call() { curl -sf -H 'content-type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC"; }
result() { node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).result'; }
lower() { tr 'A-F' 'a-f'; }

chain=$(field "$bundle" 'b.anchors[0].chainId')
origin=$(field "$bundle" 'b.checkpoint.split("\n")[0]')
log="const l = b.logs.find(l => l.origin === process.argv[2]); const c = l.chains.find(c => c.chainId === process.argv[3]);"
registry=$(node -p "const b = require(process.argv[1]); $log c.registry" "$trust" "$origin" "$chain" | lower)
operator=$(node -p "const b = require(process.argv[1]); $log c.operator" "$trust" "$origin" "$chain" | lower)
logId=$(node -p "const b = require(process.argv[1]); $log c.logId" "$trust" "$origin" "$chain" | lower)
vkey=$(node -p "const b = require(process.argv[1]); $log l.keys[0]" "$trust" "$origin" "$chain")
tx=$(field "$bundle" 'b.anchors[0].txHash')
size=$(field "$bundle" 'b.anchors[0].treeSize')
root=$(field "$bundle" 'b.anchors[0].root.replace(/^0x/, "").toLowerCase()')
number=$(field "$bundle" 'b.anchors[0].blockNumber')
blockHash=$(field "$bundle" 'b.anchors[0].blockHash' | lower)
blockTime=$(field "$bundle" 'b.anchors[0].blockTime')

failed=0
check() { # check NAME GOT WANT
  if [ "$2" = "$3" ]; then echo "✓ $1: $2"; else echo "✗ $1: got $2, want $3"; failed=1; fi
}

# The bundle's anchor must name the trusted registry and log ID.
check "registry" "$(field "$bundle" 'b.anchors[0].registry' | lower)" "$registry"
check "log ID" "$(field "$bundle" 'b.anchors[0].logId' | lower)" "$logId"

# 1. The receipt: status 1, sent to the registry, one Anchored(logId, treeSize, root) log from it.
#    topic0 = keccak256("Anchored(bytes32,uint64,bytes32)"); the indexed treeSize is a 32-byte word.
receipt=$(call eth_getTransactionReceipt "[\"$tx\"]")
check "transaction status" "$(echo "$receipt" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).result.status')" "0x1"
check "transaction to" "$(echo "$receipt" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).result.to' | lower)" "$registry"
anchored=0xbea4d11b910aad40d2df2a90d97a3329219b6389f85777c99daad7eb5fafd439
event=$(echo "$receipt" | node -p 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")).result;
  r.logs.filter(l => l.address.toLowerCase() === process.argv[1] && l.topics[0] === process.argv[2])
   .map(l => [l.topics[1], BigInt(l.topics[2]).toString(), l.data.slice(2)].join(" ").toLowerCase()).join(";")' "$registry" "$anchored")
check "Anchored event" "$event" "$logId $size $root"

# 2. rootAt(logId, treeSize): selector 0x930b6ace, then logId and the size as 32-byte words.
data=0x930b6ace${logId#0x}$(printf %064x "$size")
check "rootAt" "$(call eth_call "[{\"to\":\"$registry\",\"data\":\"$data\"},\"latest\"]" | result)" "0x$root"

# 3. operatorOf(logId): selector 0x63ea4ab2; the address comes back left-padded to 32 bytes.
got=$(call eth_call "[{\"to\":\"$registry\",\"data\":\"0x63ea4ab2${logId#0x}\"},\"latest\"]" | result)
check "operator" "0x${got:26}" "$operator"

# 4. keyCommitmentOf(logId): selector 0x26ff2f85; it must be SHA-256 of the trusted vkey text.
got=$(call eth_call "[{\"to\":\"$registry\",\"data\":\"0x26ff2f85${logId#0x}\"},\"latest\"]" | result)
check "key commitment" "$got" "0x$(printf %s "$vkey" | sha256sum | cut -d' ' -f1)"

# 5. The block: canonical hash at that height, its time, and the confirmations on top of it.
block=$(call eth_getBlockByNumber "[\"$(printf 0x%x "$number")\",false]")
check "block" "$(echo "$block" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).result.hash' | lower)" "$blockHash"
check "block time" "$(echo "$block" | node -p 'new Date(Number(JSON.parse(require("fs").readFileSync(0, "utf8")).result.timestamp) * 1000).toISOString()')" "$blockTime"
head=$(call eth_blockNumber '[]' | result)
echo "  confirmations: $(( head - number + 1 ))"
exit $failed
