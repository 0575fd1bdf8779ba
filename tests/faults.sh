#!/usr/bin/env bash
# The fault suite (docs/reliability.md). Each scenario starts a real stack with deploy/quickstart.sh in a folder of its
# own (Redis with a password and an AOF, anvil, the registry, one node), writes under load while tests/faults/load.mjs
# keeps a ledger of every acknowledgement, injects the fault, recovers the documented way (quickstart.sh again), and
# checks: every acknowledged (leafIndex, leafHash) still in the log, no index given twice, `anchor audit` passes, and
# bundles verify (all with tests/independent/verify-bundle.mjs, two with `anchor verify --rpc`). It prints a table and
# exits 0 only if every scenario passed.
#
#   tests/faults.sh [--no-build] [--keep] [SCENARIO...]        (default: every scenario below)
#
# Scenarios are functions scenario_NAME listed in SCENARIOS; tests/faults/lib.sh has the steps they are made of and says
# how to add one (a chain down, a reorg, a reverted anchor transaction, two silos, SIGSTOP, floods, Host headers: see
# docs/reliability.md for those not written yet).
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/faults/lib.sh

SCENARIOS=(node-kill redis-kill power-loss power-loss-relaxed chain-down reorg reverted-anchor send-crash)

# kill -9 of the node under load; quickstart.sh starts it again.
scenario_node-kill() {
  fault_stack_up node-kill
  fault_load_start
  fault_wait_acks 1000
  fault_kill node
  fault_recover
  fault_wait_acks 600
  fault_finish durable
}

# kill -9 of Redis under load; quickstart.sh starts it again and the running node reconnects.
scenario_redis-kill() {
  fault_stack_up redis-kill
  fault_load_start
  fault_wait_acks 1000
  fault_kill redis
  sleep 1 # The node finds Redis gone meanwhile.
  fault_recover
  fault_wait_acks 600
  fault_finish durable
}

# Power loss with appendfsync always: node and Redis die at once, and the AOF keeps what was fsynced, which is every
# write Redis answered (nothing to cut). Nothing acknowledged may be lost.
scenario_power-loss() { power_loss durable; }

# Power loss with appendfsync everysec (Anchor:Durability=Relaxed): the last second of the AOF is gone with records the
# node acknowledged. The node must find out from its witness file and refuse to sequence, never give those indices again.
scenario_power-loss-relaxed() { power_loss relaxed; }

# ---- chain faults (anchoring that recovers; helpers in tests/faults/lib.sh under "chain faults") ----

# The chain's endpoint down for 60 s (anvil stopped with its state kept, as a provider outage keeps the chain), under
# load: the ledger keeps acknowledging, anchoring fails its rounds, and once quickstart.sh starts anvil again one anchor
# covers the backlog.
scenario_chain-down() {
  fault_stack_up chain-down
  fault_load_start
  fault_wait_acks 1000
  fault_stop_anvil
  # The load runs on until 1,500 records were acknowledged with the chain down, then pauses for the rest of the minute:
  # every record is checked afterwards, and a full minute of load (15,000 and more here) would take longer to check
  # than the whole suite may.
  local before
  before=$(acks)
  fault_wait_acks 1500
  kill -STOP "$(cat "$F_STATE/load.pid")"
  say "$F_NAME: $(( $(acks) - before )) acknowledgements with the chain down in $(( ($(now_ms) - F_FAULT_AT) / 1000 )) s; load paused"
  local left=$(( 60 - ($(now_ms) - F_FAULT_AT) / 1000 ))
  [ "$left" -le 0 ] || sleep "$left"
  kill -CONT "$(cat "$F_STATE/load.pid")"
  fault_recover
  fault_wait_acks 600
  fault_finish durable
}

# A reorg of depth 3 that removes an anchor not final yet (4 confirmations here, blocks mined every second as a live
# chain does): the node marks it orphaned and anchors again; bundles never name the dropped one.
scenario_reorg() {
  export Anchor__Chains__0__Confirmations=4
  fault_stack_up reorg
  trap 'stop_pid_file "$F_STATE/miner.pid"' EXIT
  fault_miner_start
  fault_load_start
  fault_wait_acks 1000
  fault_reorg_an_anchor 3
  fault_wait_anchor_state "$F_DROPPED_TX" orphaned 60
  fault_wait_acks 600
  fault_finish durable
}

# A reverted anchor transaction: the fault drill signs the next anchor with 30,000 gas, and the chain reverts it for
# running out of gas (as an L2's misestimate does). The node records it failed with its reason, counts it in
# anchor_anchor_tx_failed_total, and anchoring goes on.
scenario_reverted-anchor() {
  export ANCHOR_FAULT_ANCHOR_GAS_FILE="$faults_work/reverted-anchor/drill-anchor-gas"
  fault_stack_up reverted-anchor
  fault_load_start
  fault_wait_acks 1000
  F_FAULT_AT=$(now_ms)
  echo 30000 >"$ANCHOR_FAULT_ANCHOR_GAS_FILE"
  fault_wait_failed_anchor OutOfGas 60
  fault_wait_acks 600
  fault_finish durable
}

# A crash between sending an anchor transaction and recording its outcome: the fault drill kills the node (SIGKILL)
# right after the send. quickstart.sh starts it again, and the node finds the transaction by the hash it recorded before
# sending; the anchor is confirmed under that hash, none is sent twice.
scenario_send-crash() {
  export ANCHOR_FAULT_EXIT_AFTER_SEND_FILE="$faults_work/send-crash/drill-exit-after-send"
  fault_stack_up send-crash
  fault_load_start
  fault_wait_acks 1000
  touch "$ANCHOR_FAULT_EXIT_AFTER_SEND_FILE"
  fault_wait_node_exit 60
  fault_recorded_pending_tx
  fault_recover
  fault_wait_acks 600
  fault_wait_anchor_state "$F_PENDING_TX" confirmed 60
  fault_finish durable
}

# power_loss durable|relaxed: kill -9 of node and Redis at one instant under load, the AOF cut to what was on disk, and
# quickstart.sh again.
power_loss() {
  fault_stack_up "power-loss$([ "$1" = relaxed ] && echo -relaxed)" "$1"
  fault_aof_sampler_start
  fault_load_start
  fault_wait_acks 1500
  fault_kill node redis
  if [ "$1" = relaxed ]; then fault_cut_aof_last_second; else fault_aof_sampler_stop; fi
  fault_recover
  if [ "$1" = relaxed ]; then
    fault_wait_refusal
    fault_finish refuses
  else
    fault_wait_acks 600
    fault_finish durable
  fi
}

# --- Two silos and access (issue 15): the sequencer's silo killed or stopped, a flood against a provider, Host headers ---
SCENARIOS+=(silo-kill silo-stop flood host-header)

# kill -9 of the silo that holds the sequencer, in a cluster of two (the quickstart node and a second silo of the same
# log). The load goes through the other silo all along; its writes must go on once membership declares the dead silo
# dead and the sequencer is activated again on the survivor, from the head in Redis.
scenario_silo-kill() {
  two_silos_under_load silo-kill
  fault_kill "$F_SEQUENCER"
  fault_wait_acks 300
  fault_finish durable
}

# SIGSTOP of the sequencer's silo for 15 s, then SIGCONT. The survivor declares it dead and takes the sequencer over;
# the stopped silo wakes up holding a sequencer activation of its own, which must not write an index twice (the head's
# compare-and-set refuses a writer whose head is stale) and which Orleans ends once the silo learns it was declared dead.
scenario_silo-stop() {
  two_silos_under_load silo-stop
  fault_signal STOP "$F_SEQUENCER"
  sleep 15
  fault_signal CONT "$F_SEQUENCER"
  fault_wait_acks 300
  fault_finish durable
}

# two_silos_under_load NAME: a stack of two silos, the load through the silo that does not hold the sequencer (whose
# name, node or node2, is F_SEQUENCER), and 300 acknowledgements.
two_silos_under_load() {
  fault_stack_up "$1"
  fault_two_silos
  F_SEQUENCER=$(fault_sequencer_silo)
  fault_use_silo "$([ "$F_SEQUENCER" = node ] && echo node2 || echo node)"
  fault_load_start
  fault_wait_acks 300
}

# The rate-limit flood: for 10 s, 32 connections from 8 other loopback addresses send unsigned submissions naming the
# victim (the load's provider), and a tenth of them names providers never registered. The per-provider limit is charged
# only after a signature verifies, so the victim's own signed requests must still be acknowledged meanwhile; the flood
# gets no acknowledgement and no 5xx. (The scenario runs in a subshell of its own: the export ends with it.)
scenario_flood() {
  # A provider limit the flood alone would exhaust (it sends some 500 a second naming the victim), while the victim's
  # own load stays under it: were the flood charged to the victim, the victim would be starved.
  export Anchor__RateLimit__PermitsPerSecond=300 Anchor__RateLimit__Burst=300
  fault_stack_up flood
  fault_load_start
  fault_wait_acks 200
  local victim before start flood during
  victim=$(json_get id <"$F_STATE/provider.json")
  before=$(acks)
  start=$(now_ms)
  F_FAULT_AT=$start
  flood=$(node "$root/tests/faults/flood.mjs" "$F_URL" "$victim" 10 32 8)
  during=$(acks_since "$start")
  echo "$flood" >"$F_STATE/flood.json"
  say "$F_NAME: flood $flood; the victim's records acknowledged during it: $during (ledger $before before)"
  node -e '
    const f = JSON.parse(process.argv[1]);
    const bad = Object.keys(f.byStatus).filter(s => s === "200" || s === "0" || +s >= 500);
    if (bad.length) { console.error("the flood got " + bad.map(s => f.byStatus[s] + " x " + s).join(", ")); process.exit(1); }' "$flood"
  [ "$during" -gt 0 ] || { say "$F_NAME: no record of the victim was acknowledged during the flood"; return 1; }
  fault_wait_acks 100
  fault_finish durable
}

# The Host-header trick: the operator pages (/dashboard/, /metrics, /healthz) asked on the public port with
# Host: x:<operator port> must be refused (the listener is chosen by the local port the connection arrived on), while
# the operator port itself serves them; under load, so that the suite's checks run too.
scenario_host-header() {
  fault_stack_up host-header
  fault_load_start
  fault_wait_acks 150
  local port path public own
  port=$(node -p 'new URL(process.argv[1]).port' "$F_OPS")
  F_FAULT_AT=$(now_ms)
  for path in /dashboard/ /metrics /healthz; do
    public=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: x:$port" "$F_URL$path")
    own=$(curl -s -o /dev/null -w '%{http_code}' "$F_OPS$path")
    say "$F_NAME: $path with Host: x:$port on the public port: $public; on the operator port: $own"
    [ "$public" -ge 400 ] && [ "$public" -lt 500 ] || { say "$F_NAME: $path answered $public on the public port"; return 1; }
    [ "$own" = 200 ] || { say "$F_NAME: $path answered $own on the operator port"; return 1; }
  done
  fault_wait_acks 100
  fault_finish durable
}

build=1 keep=0 chosen=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n 2,14p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) chosen+=("$1"); shift ;;
  esac
done
[ ${#chosen[@]} -gt 0 ] || chosen=("${SCENARIOS[@]}")
for s in "${chosen[@]}"; do declare -F "scenario_$s" >/dev/null || { echo "unknown scenario: $s (known: ${SCENARIOS[*]})" >&2; exit 2; }; done

if [ $build -eq 1 ]; then dotnet build Anchor.sln -c Release -nologo -v q >/dev/null; fi
[ -d contracts/node_modules ] || (cd contracts && npm ci --no-audit --no-fund --loglevel=error)
trap 'fault_stack_down' EXIT
: >"$results"
started=$SECONDS
status=0
for s in "${chosen[@]}"; do
  F_STATE="$faults_work/$s" # For the EXIT trap, should the suite be interrupted.
  # In a subshell with -e in force, so that the first failing step ends the scenario (and only it).
  set +e
  (set -e; "scenario_$s")
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    status=1
    grep -q "^$s"$'\t' "$results" || printf '%s\t-\t-\t-\t-\t-\t-\t-\t-\tFAIL\tstopped by a failing step (exit %s); see %s\n' "$s" "$rc" "$faults_work/$s" >>"$results"
  fi
  F_STATE="$faults_work/$s"
  fault_stack_down
done
print_table
echo "fault suite: ${#chosen[@]} scenario(s) in $((SECONDS - started)) s, $([ $status -eq 0 ] && echo 'all passed' || echo 'FAILED'); work folder $faults_work"
[ $keep -eq 1 ] || [ $status -ne 0 ] || rm -rf "$faults_work"
exit $status
