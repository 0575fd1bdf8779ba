// One anchor checked on its chain over JSON-RPC from the browser, as Anchor.Chain's CheckAnchorAsync does, against what
// the trust file says (never the bundle): receipt, Anchored event, rootAt, operatorOf, keyCommitmentOf, canonical block,
// confirmations, block time. The RPC must allow this page's origin (CORS); anvil does by default.
import { hex } from './bytes.js';

const ANCHORED = '0xbea4d11b910aad40d2df2a90d97a3329219b6389f85777c99daad7eb5fafd439'; // Anchored(bytes32,uint64,bytes32)
const word = n => BigInt(n).toString(16).padStart(64, '0');
const check = (name, ok, detail) => ({ name, status: ok ? 'pass' : 'fail', detail });

async function rpc(url, method, params) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const answer = await response.json();
  if (answer.error) throw new Error(`${method}: ${answer.error.message ?? JSON.stringify(answer.error)}`);
  return answer.result;
}

/** ISO time with milliseconds, as Anchor writes times. */
const isoSeconds = seconds => new Date(Number(seconds) * 1000).toISOString();

export async function checkAnchor(url, anchor, expected, minConfirmations) {
  const label = `anchor chain ${anchor.chainId}`;
  const registry = expected.registry.toLowerCase();
  const call = data => rpc(url, 'eth_call', [{ to: registry, data }, 'latest']);
  const served = BigInt(await rpc(url, 'eth_chainId', []));
  if (served.toString() !== anchor.chainId) return [check(`${label} lookup`, false, `${url} serves chain ${served}, not ${anchor.chainId}`)];
  if ((await rpc(url, 'eth_getCode', [registry, 'latest'])).replace(/^0x/, '').length === 0)
    return [check(`${label} lookup`, false, `no contract at registry ${registry} on chain ${anchor.chainId}`)];

  const checks = [];
  const receipt = await rpc(url, 'eth_getTransactionReceipt', [anchor.txHash]);
  if (!receipt) return [check(`${label} transaction`, false, `no receipt for ${anchor.txHash}: not mined on this chain, or dropped by a reorg`)];
  const toRegistry = (receipt.to ?? '').toLowerCase() === registry;
  checks.push(check(`${label} transaction`, receipt.status === '0x1' && toRegistry,
    receipt.status === '0x1' && toRegistry ? `${anchor.txHash} succeeded, sent to registry ${registry}` : `${anchor.txHash}: status ${receipt.status}, to ${receipt.to}, registry ${registry}`));

  const logId = expected.logId.toLowerCase();
  const root = anchor.root.replace(/^0x/, '').toLowerCase();
  const events = receipt.logs.filter(l => l.address.toLowerCase() === registry && l.topics[0] === ANCHORED);
  const matching = events.filter(l => l.topics[1]?.toLowerCase() === logId && l.topics[2] === '0x' + word(anchor.treeSize) && l.data.toLowerCase() === '0x' + root);
  checks.push(check(`${label} Anchored event`, matching.length === 1, matching.length === 1
    ? `from registry ${registry}: logId ${logId}, treeSize ${anchor.treeSize}, root ${root}`
    : events.length === 0 ? `the transaction emitted no Anchored event from registry ${registry}`
      : `event carries ${events.map(l => `logId ${l.topics[1]} size ${BigInt(l.topics[2])} root ${l.data.slice(2)}`).join('; ')}, expected logId ${logId} size ${anchor.treeSize} root ${root}`));

  const onChainRoot = (await call('0x930b6ace' + logId.slice(2) + word(anchor.treeSize))).slice(2);
  checks.push(check(`${label} rootAt`, onChainRoot === root, `rootAt(${logId}, ${anchor.treeSize}) = ${onChainRoot}${onChainRoot === root ? '' : `, bundle root ${root}`}`));

  const operator = '0x' + (await call('0x63ea4ab2' + logId.slice(2))).slice(-40).toLowerCase();
  checks.push(check(`${label} operator`, operator === expected.operator.toLowerCase(),
    operator === expected.operator.toLowerCase() ? `operatorOf(${logId}) = ${operator}, the trusted operator` : `operatorOf(${logId}) = ${operator}, the trust file names ${expected.operator}`));

  const commitment = (await call('0x26ff2f85' + logId.slice(2))).slice(2);
  const want = hex(expected.keyCommitment);
  checks.push(check(`${label} key commitment`, commitment === want, commitment === want
    ? `keyCommitmentOf(${logId}) = ${commitment} = SHA-256(log key)` : `keyCommitmentOf(${logId}) = ${commitment}, SHA-256 of the trusted log key is ${want}`));

  const mined = BigInt(receipt.blockNumber);
  const block = await rpc(url, 'eth_getBlockByNumber', ['0x' + mined.toString(16), false]);
  const hashOk = block && block.hash.toLowerCase() === anchor.blockHash.toLowerCase() && receipt.blockHash.toLowerCase() === anchor.blockHash.toLowerCase();
  const blockOk = anchor.blockNumber === mined.toString() && hashOk;
  checks.push(check(`${label} block`, blockOk, blockOk ? `block ${mined} is ${anchor.blockHash}, canonical`
    : `bundle says block ${anchor.blockNumber} ${anchor.blockHash}; the transaction is in block ${mined} ${receipt.blockHash}; canonical hash at that height ${block?.hash ?? '(none)'}`));

  const head = BigInt(await rpc(url, 'eth_blockNumber', []));
  const confirmations = head >= mined ? head - mined + 1n : 0n;
  checks.push(check(`${label} confirmations`, confirmations >= BigInt(minConfirmations),
    confirmations >= BigInt(minConfirmations) ? `${confirmations} (at least ${minConfirmations})` : `${confirmations}, fewer than ${minConfirmations}`));

  if (block) {
    const time = isoSeconds(BigInt(block.timestamp));
    checks.push(check(`${label} block time`, time === anchor.blockTime, time === anchor.blockTime ? `${time} (block ${mined} on chain ${anchor.chainId})` : `block time ${time}, bundle says ${anchor.blockTime}`));
  }
  return checks;
}
