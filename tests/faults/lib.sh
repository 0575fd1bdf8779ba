# Helpers of tests/faults.sh: a stack per scenario (deploy/quickstart.sh in its own state folder), write load with a
# ledger (load.mjs), faults, the documented recovery, and the checks (check.mjs, anchor audit, anchor verify).
# A scenario is a function scenario_NAME that calls, in order:
#   fault_stack_up NAME [relaxed]    fresh Redis (password, AOF), anvil, registry and node; sets F_* below
#   fault_load_start; fault_wait_acks N
#   one or more faults:              fault_kill node|redis|anvil..., fault_cut_aof_last_second, or anything new
#   a recovery:                      fault_recover (runs quickstart.sh again: it restarts what is not running)
#   fault_wait_acks N                (load resumes by itself: load.mjs retries)
#   fault_finish EXPECT              EXPECT: "durable" (nothing lost, node serving) or "refuses" (log_rolled_back)
# and fault_finish prints the row. F_STATE, F_URL, F_VKEY, F_RPC, F_ORIGIN, F_REDIS_PORT, F_FAULT_AT (ms) are set.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cli_dll="$root/src/Anchor.Cli/bin/Release/net10.0/anchor.dll"
faults_work=${FAULTS_WORK:-$(mktemp -d /tmp/anchor-faults.XXXXXX)}
results="$faults_work/results.tsv"
now_ms() { date +%s%3N; }
say() { printf "\033[1m==>\033[0m [%3ds] %s\n" "$SECONDS" "$*" >&2; }
anchor() { dotnet "$cli_dll" "$@"; }
json_get() { node -e 'let v=JSON.parse(require("fs").readFileSync(0,"utf8"));for(const k of process.argv[1].split("."))v=v?.[k];console.log(v??"")' "$1"; }

fault_stack_up() {
  F_NAME=$1
  local mode=${2:-durable}
  F_STATE="$faults_work/$F_NAME"
  F_MODE=$mode
  F_FAULT_AT="" F_DETECTED=""
  mkdir -p "$F_STATE"
  say "$F_NAME: starting a stack ($mode) in $F_STATE"
  local env=()
  if [ "$mode" = relaxed ]; then env=(ANCHOR_REDIS_APPENDFSYNC=everysec Anchor__Durability=Relaxed); fi
  env "${env[@]}" Logging__LogLevel__Default=Warning bash "$root/deploy/quickstart.sh" --detach --no-demo --no-build --state "$F_STATE" --port "$(free_port)" \
    >"$F_STATE/quickstart.out" 2>&1 || { cat "$F_STATE/quickstart.out" >&2; return 1; }
  F_URL=$(json_get url <"$F_STATE/node.json")
  F_VKEY=$(json_get logKey <"$F_STATE/node.json")
  F_OPS=$(json_get operatorUrl <"$F_STATE/node.json") # /healthz is served on the operator listener only.
  F_ORIGIN=$(json_get origin <"$F_STATE/node.json")
  F_RPC=$(node -p 'require(process.argv[1]).chains[0].rpc' "$F_STATE/node.json")
  F_REDIS_PORT=$(json_get redis <"$F_STATE/node.json" | cut -d: -f2)
  F_ENV=("${env[@]}")
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

fault_load_start() {
  node "$root/tests/faults/load.mjs" "$F_URL" "$F_STATE/node/admin-token" "$F_STATE/ledger.jsonl" "$F_STATE/provider.json" "${FAULTS_CONCURRENCY:-8}" \
    >"$F_STATE/load.out" 2>"$F_STATE/load.err" &
  echo $! >"$F_STATE/load.pid"
  touch "$F_STATE/ledger.jsonl"
}

acks() { wc -l <"$F_STATE/ledger.jsonl"; }

# fault_wait_acks N: until N more acknowledgements than now arrived (at most 90 s).
fault_wait_acks() {
  local want=$(( $(acks) + $1 )) deadline=$((SECONDS + 90))
  until [ "$(acks)" -ge "$want" ]; do
    [ $SECONDS -lt $deadline ] || { say "$F_NAME: only $(acks) of $want acknowledgements after 90 s"; return 1; }
    sleep 0.2
  done
}

# stop_pid_file FILE [SIGNAL]: ends the process recorded in FILE (started by this suite) and waits for it.
stop_pid_file() {
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  kill -"${2:-TERM}" "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$1"
}

fault_load_stop() { stop_pid_file "$F_STATE/load.pid"; }

# fault_kill NAME...: kill -9 of the processes quickstart.sh recorded, all at the same instant.
fault_kill() {
  local pids=() name
  for name in "$@"; do pids+=("$(cat "$F_STATE/pids/$name.pid")"); done
  F_FAULT_AT=$(now_ms)
  kill -KILL "${pids[@]}"
  for name in "$@"; do rm -f "$F_STATE/pids/$name.pid"; done
  say "$F_NAME: kill -9 $* (pids ${pids[*]})"
}

# The AOF increment Redis appends to now (Redis 7 keeps a manifest of base and increment files).
aof_increment() { echo "$F_STATE/redis/appendonlydir/$(awk '$6 == "i" { f = $2 } END { print f }' "$F_STATE/redis/appendonlydir/"*.manifest)"; }

# Samples the AOF increment's size every 100 ms ("ms bytes" lines), to know what was written when.
fault_aof_sampler_start() {
  local file
  file=$(aof_increment)
  ( while :; do echo "$(now_ms) $(stat -c %s "$file")"; sleep 0.1; done ) >"$F_STATE/aof-sizes" 2>/dev/null &
  echo $! >"$F_STATE/sampler.pid"
  F_AOF=$file
}

fault_aof_sampler_stop() { stop_pid_file "$F_STATE/sampler.pid"; }

# A power loss under appendfsync everysec: Redis fsyncs the AOF once a second in the background, so what it wrote in the
# last second before the cut may not be on disk. Cut the increment back to the size it had one second before the kill
# (the last sample at or before F_FAULT_AT - 1000 ms). Under appendfsync always every answered write was fsynced: nothing to cut.
fault_cut_aof_last_second() {
  fault_aof_sampler_stop
  [ "$(aof_increment)" = "$F_AOF" ] || { say "$F_NAME: Redis started another AOF increment meanwhile (a rewrite): no honest cut"; return 1; }
  local keep
  keep=$(awk -v t=$((F_FAULT_AT - 1000)) '$1 <= t { s = $2 } END { print s }' "$F_STATE/aof-sizes")
  [ -n "$keep" ] || { say "$F_NAME: no size of the AOF was sampled a second before the power loss: no honest cut"; return 1; }
  local had
  had=$(stat -c %s "$F_AOF")
  truncate -s "$keep" "$F_AOF"
  F_CUT=$((had - keep))
  say "$F_NAME: cut the AOF increment from $had to $keep bytes (the last second before the power loss)"
}

# The documented recovery: run deploy/quickstart.sh again with the same folder; it restarts whatever is not running.
fault_recover() {
  say "$F_NAME: recovering with deploy/quickstart.sh --detach --state $F_STATE"
  env "${F_ENV[@]}" Logging__LogLevel__Default=Warning bash "$root/deploy/quickstart.sh" --detach --no-demo --no-build --state "$F_STATE" \
    >>"$F_STATE/quickstart.out" 2>&1 || true
  local deadline=$((SECONDS + 90))
  until node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))' "$F_URL/v1/node"; do
    [ $SECONDS -lt $deadline ] || { say "$F_NAME: the node does not answer after recovery"; return 1; }
    sleep 0.2
  done
}

# fault_finish durable|refuses: stops the load, checks everything, prints and records the row; 1 if the scenario failed.
fault_finish() {
  local expect=$1 verdict=pass notes=()
  say "$F_NAME: stopping the load"
  fault_load_stop
  fault_aof_sampler_stop
  local health code
  health=$(node -e 'fetch(process.argv[1]).then(async r=>console.log(r.status+" "+await r.text())).catch(e=>console.log("0 "+e))' "$F_OPS/healthz")
  code=$(node -e 'try{console.log(JSON.parse(process.argv[1].slice(4)).code??"")}catch{console.log("")}' "$health")
  local refused=no
  [ "$code" = log_rolled_back ] && refused=yes

  # Anchoring after recovery: from the end of the load until a confirmed anchor covers the final size (durable only: a
  # refusing log anchors nothing).
  local anchored=-
  if [ "$expect" = durable ]; then
    local size
    size=$(node -e 'fetch(process.argv[1]).then(r=>r.text()).then(t=>console.log(t.split("\n")[1]))' "$F_URL/checkpoint")
    anchored=$(node -e '
      const [url, size] = [process.argv[1], BigInt(process.argv[2])]; const t0 = Date.now();
      (async () => { for (;;) {
        try { const a = (await (await fetch(url + "/v1/anchors")).json()).anchors;
              if (a.some(x => x.state === "confirmed" && BigInt(x.treeSize) >= size)) { console.log(((Date.now() - t0) / 1000).toFixed(1)); return; } } catch {}
        if (Date.now() - t0 > 60000) { console.log("none in 60 s"); return; }
        await new Promise(r => setTimeout(r, 100)); } })();' "$F_URL" "$size")
  fi

  say "$F_NAME: checking the ledger against the log"
  local check
  check=$(node "$root/tests/faults/check.mjs" "$F_URL" "$F_STATE/ledger.jsonl" "$F_STATE/provider.json" "$F_VKEY")
  echo "$check" >"$F_STATE/check.json"
  local acknowledged lost duplicated verified failed
  acknowledged=$(json_get acknowledged <<<"$check"); lost=$(json_get lost <<<"$check"); duplicated=$(json_get duplicated <<<"$check")
  verified=$(json_get verified <<<"$check"); failed=$(json_get failed <<<"$check")

  # Recovery: from the fault to the first acknowledgement of a request sent after it (answers of requests already in
  # flight can arrive after the fault), or to the refusal being reported (refuses).
  local recovery=-
  if [ "$expect" = durable ]; then
    recovery=$(node -e 'const f=+process.argv[2];const after=require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(l=>l).map(l=>JSON.parse(l)).filter(a=>a.s>f).map(a=>a.t);console.log(after.length?((Math.min(...after)-f)/1000).toFixed(1):"-")' "$F_STATE/ledger.jsonl" "$F_FAULT_AT")
  elif [ -n "$F_DETECTED" ]; then
    recovery=$(node -p "((${F_DETECTED} - ${F_FAULT_AT}) / 1000).toFixed(1) + ' (refused)'")
  fi

  say "$F_NAME: anchor audit, anchor verify"
  local audit_ok
  # The audit exits 1 when it finds something: its verdict is read from its JSON, not from its exit status.
  anchor audit --redis "127.0.0.1:$F_REDIS_PORT" --redis-password-file "$F_STATE/redis-password" --origin "$F_ORIGIN" \
    --trust "$F_STATE/trust.json" --rpc "31337=$F_RPC" --json >"$F_STATE/audit.json" 2>"$F_STATE/audit.err" || true
  audit_ok=$(json_get ok <"$F_STATE/audit.json")
  if [ "$audit_ok" = true ]; then audit_ok=pass
  # A refusing node lost acknowledged entries (the relaxed power loss): when an anchor sent in the lost second is on the
  # chain, the audit says exactly that, and nothing else may be found.
  elif [ "$expect" = refuses ] && node -e 'const f=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).findings||[];process.exit(f.length>0&&f.every(x=>/the log lost anchored entries$/.test(x.problem))?0:1)' "$F_STATE/audit.json"; then
    audit_ok=pass
    notes+=("the audit found the chain's anchor of entries the cut lost, as it must")
  else audit_ok=FAIL
  fi

  # Two bundles through the C# verifier as a court would run it (the node's trust entry, the chain), besides check.mjs's
  # independent verifier on all of them.
  local sample=pass index
  node -e 'fetch(process.argv[1]).then(r=>r.text()).then(t=>process.stdout.write(t))' "$F_URL/v1/trust" >"$F_STATE/trust.json"
  for index in $(node -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(x=>x).map(x=>JSON.parse(x).i);console.log(l[0]+" "+l[l.length-1])' "$F_STATE/ledger.jsonl"); do
    node -e 'const p=require(process.argv[3]);fetch(process.argv[1]+"/v1/proofs/"+process.argv[2],{headers:{authorization:"Bearer "+p.readToken}}).then(async r=>{if(!r.ok)process.exit(1);process.stdout.write(await r.text())}).catch(()=>process.exit(1))' \
      "$F_URL" "$index" "$F_STATE/provider.json" >"$F_STATE/bundle-$index.json" || { [ "$expect" = refuses ] && continue; sample=FAIL; continue; }
    anchor verify "$F_STATE/bundle-$index.json" --trust "$F_STATE/trust.json" --rpc "31337=$F_RPC" >"$F_STATE/verify-$index.txt" 2>&1 || sample=FAIL
  done

  [ "$duplicated" = 0 ] || { verdict=FAIL; notes+=("an index was acknowledged twice"); }
  [ "$failed" = 0 ] || { verdict=FAIL; notes+=("$failed bundle(s) did not verify"); }
  [ "$audit_ok" = pass ] || { verdict=FAIL; notes+=("audit: $(head -c 300 "$F_STATE/audit.json")"); }
  [ "$sample" = pass ] || { verdict=FAIL; notes+=("anchor verify failed on a sample bundle"); }
  if [ "$expect" = durable ]; then
    [ "$lost" = 0 ] || { verdict=FAIL; notes+=("$lost acknowledged record(s) lost"); }
    [ "$refused" = no ] || { verdict=FAIL; notes+=("the node refuses: $health"); }
  else
    [ "$refused" = yes ] || { verdict=FAIL; notes+=("the node does not refuse to sequence: $health"); }
    [ "$lost" != 0 ] || notes+=("nothing acknowledged was in the cut second")
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$F_NAME" "$F_MODE" "$acknowledged" "$lost" "$duplicated" "$recovery" "$anchored" \
    "$audit_ok" "$verified/$acknowledged" "$verdict" "${notes[*]:-}" >>"$results"
  say "$F_NAME: $verdict (acknowledged $acknowledged, lost $lost, duplicated $duplicated, recovery $recovery s, anchored after $anchored s)"
  [ "$verdict" = pass ]
}

fault_stack_down() {
  [ -n "${F_STATE:-}" ] && [ -d "$F_STATE" ] || return 0
  fault_load_stop
  fault_aof_sampler_stop
  bash "$root/deploy/quickstart.sh" --stop --state "$F_STATE" >/dev/null 2>&1 || true
}

# fault_wait_refusal: until /healthz reports log_rolled_back (at most 60 s); sets F_DETECTED (ms).
fault_wait_refusal() {
  local deadline=$((SECONDS + 60))
  until node -e 'fetch(process.argv[1]).then(async r=>{const j=await r.json();process.exit(r.status===503&&j.code==="log_rolled_back"?0:1)}).catch(()=>process.exit(1))' "$F_OPS/healthz"; do
    [ $SECONDS -lt $deadline ] || { say "$F_NAME: no refusal reported in 60 s"; return 0; }
    sleep 0.2
  done
  F_DETECTED=$(now_ms)
}

print_table() {
  printf '\n%-20s %-8s %12s %6s %10s %14s %16s %6s %14s %6s\n' scenario redis acknowledged lost duplicated "recovery s" "anchored after s" audit "bundles ok" result
  while IFS=$'\t' read -r name mode ack lost dup rec anch audit bundles verdict notes; do
    printf '%-20s %-8s %12s %6s %10s %14s %16s %6s %14s %6s\n' "$name" "$mode" "$ack" "$lost" "$dup" "$rec" "$anch" "$audit" "$bundles" "$verdict"
    [ -z "$notes" ] || printf '    %s\n' "$notes"
  done <"$results"
}

# ---- chain faults (scenarios chain-down, reorg, reverted-anchor, send-crash) ----

# rpc METHOD PARAMS_JSON: one JSON-RPC call to the scenario's anvil; prints the result as JSON.
fault_rpc() {
  node -e 'fetch(process.argv[1],{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({jsonrpc:"2.0",id:1,method:process.argv[2],params:JSON.parse(process.argv[3])})}).then(r=>r.json()).then(j=>{if(j.error){console.error(JSON.stringify(j.error));process.exit(1)}console.log(JSON.stringify(j.result))})' "$F_RPC" "$1" "$2"
}

# Stops anvil the way quickstart.sh --stop does (SIGTERM: it dumps its state), so the chain comes back as it was.
fault_stop_anvil() {
  F_FAULT_AT=$(now_ms)
  stop_pid_file "$F_STATE/pids/anvil.pid" TERM
  say "$F_NAME: anvil stopped (state kept in $F_STATE/anvil-state.json)"
}

# A block every second, as a live chain makes them: confirmations grow even while the node sends nothing.
fault_miner_start() {
  node -e 'const u=process.argv[1];setInterval(()=>fetch(u,{method:"POST",headers:{"content-type":"application/json"},body:"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"evm_mine\",\"params\":[]}"}).catch(()=>{}),1000)' "$F_RPC" \
    >/dev/null 2>&1 &
  echo $! >"$F_STATE/miner.pid"
}

# fault_reorg_an_anchor DEPTH: waits for an anchor the node recorded as mined and not final, in one of the newest DEPTH
# blocks, then anvil_reorg(DEPTH) drops those blocks. Sets F_DROPPED_TX and F_FAULT_AT; fails if none came in 60 s.
fault_reorg_an_anchor() {
  local out
  out=$(node -e '
    const [url, rpcUrl, depth] = [process.argv[1], process.argv[2], +process.argv[3]];
    const rpc = async (method, params) => { const j = await (await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json(); if (j.error) throw new Error(JSON.stringify(j.error)); return j.result; };
    (async () => { const t0 = Date.now();
      while (Date.now() - t0 < 60000) {
        const anchors = (await (await fetch(url + "/v1/anchors")).json()).anchors;
        const head = parseInt(await rpc("eth_blockNumber", []), 16);
        const open = anchors.filter(a => a.state === "pending" && a.blockNumber && +a.blockNumber > head - depth);
        if (open.length) {
          await rpc("anvil_reorg", [depth, []]);
          const gone = await rpc("eth_getTransactionReceipt", [open[0].txHash]);
          if (gone === null) { console.log(open[0].txHash + " " + open[0].treeSize + " " + open[0].blockNumber + " " + head); return; }
        }
        await new Promise(r => setTimeout(r, 100));
      }
      process.exit(1); })().catch(e => { console.error(String(e)); process.exit(1); });' "$F_URL" "$F_RPC" "$1") \
    || { say "$F_NAME: no anchor to reorg away in 60 s"; return 1; }
  F_FAULT_AT=$(now_ms)
  read -r F_DROPPED_TX _size _block _head <<<"$out"
  say "$F_NAME: anvil_reorg($1) dropped the anchor of size $_size (tx $F_DROPPED_TX, block $_block, head was $_head)"
}

# fault_wait_anchor_state TXHASH STATE SECONDS: until /v1/anchors lists the record of TXHASH in STATE.
fault_wait_anchor_state() {
  node -e '
    const [url, tx, state, limit] = [process.argv[1], process.argv[2], process.argv[3], +process.argv[4] * 1000]; const t0 = Date.now();
    (async () => { for (;;) {
      try { if ((await (await fetch(url + "/v1/anchors")).json()).anchors.some(x => x.txHash === tx && x.state === state)) return; } catch {}
      if (Date.now() - t0 > limit) { console.error("the anchor " + tx + " is not " + state); process.exit(1); }
      await new Promise(r => setTimeout(r, 200)); } })();' "$F_URL" "$1" "$2" "$3" \
    || { say "$F_NAME: the anchor $1 did not become $2 in $3 s"; return 1; }
  say "$F_NAME: the anchor $1 is $2"
}

# fault_wait_failed_anchor REASON SECONDS: until /v1/anchors lists a failed anchor whose detail starts with REASON, and
# anchor_anchor_tx_failed_total counts it. Sets F_FAILED_TX.
fault_wait_failed_anchor() {
  F_FAILED_TX=$(node -e '
    const [url, reason, limit] = [process.argv[1], process.argv[2], +process.argv[3] * 1000]; const t0 = Date.now();
    (async () => { for (;;) {
      try { const a = (await (await fetch(url + "/v1/anchors")).json()).anchors.find(x => x.state === "failed" && x.detail.startsWith(reason + ":"));
            if (a) { console.log(a.txHash); return; } } catch {}
      if (Date.now() - t0 > limit) process.exit(1);
      await new Promise(r => setTimeout(r, 200)); } })();' "$F_URL" "$1" "$2") \
    || { say "$F_NAME: no anchor failed with $1 in $2 s"; return 1; }
  local counted
  counted=$(node -e 'fetch(process.argv[1]+"/metrics").then(r=>r.text()).then(t=>console.log(t.split("\n").filter(l=>l.startsWith("anchor_anchor_tx_failed_total{")&&l.includes("reason=\""+process.argv[2]+"\"")).join(" ")))' "$F_OPS" "$1")
  [ -n "$counted" ] || { say "$F_NAME: anchor_anchor_tx_failed_total does not count the $1 revert"; return 1; }
  say "$F_NAME: anchor $F_FAILED_TX reverted ($1), recorded failed; $counted"
}

# fault_wait_node_exit SECONDS: until the node's recorded process is gone (a fault drill ended it). Sets F_FAULT_AT.
fault_wait_node_exit() {
  local pid deadline=$((SECONDS + $1))
  pid=$(cat "$F_STATE/pids/node.pid")
  while kill -0 "$pid" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { say "$F_NAME: the node is still running after $1 s"; return 1; }
    sleep 0.1
  done
  F_FAULT_AT=$(now_ms)
  rm -f "$F_STATE/pids/node.pid"
  say "$F_NAME: the node (pid $pid) died right after sending an anchor transaction"
}

# The hash of the anchor transaction the node recorded before sending it (anchors/local/pending in Redis). Sets F_PENDING_TX.
fault_recorded_pending_tx() {
  local json
  json=$(redis-cli -p "$F_REDIS_PORT" --no-auth-warning -a "$(cat "$F_STATE/redis-password")" GET "anchor:{$F_ORIGIN}:anchors/local/pending")
  [ -n "$json" ] || { say "$F_NAME: no anchor transaction recorded as in flight"; return 1; }
  F_PENDING_TX=$(node -e 'const h=JSON.parse(process.argv[1]).hashes;console.log(h[h.length-1])' "$json")
  say "$F_NAME: the transaction in flight at the crash, as recorded: $F_PENDING_TX"
}

# --- Two silos, signals, floods and Host headers (the cluster and access scenarios) ---

# Orleans membership tuned so that a silo that stops answering is declared dead in seconds, not minutes; one vote is
# enough in a cluster of two (the survivor is the only voter).
F_MEMBERSHIP_ENV=(Anchor__Silo__Membership__ProbeTimeout=00:00:01 Anchor__Silo__Membership__NumMissedProbesLimit=2
  Anchor__Silo__Membership__NumVotesForDeathDeclaration=1 Anchor__Silo__Membership__TableRefreshTimeout=00:00:02
  Anchor__Silo__Membership__IAmAliveTablePublishTimeout=00:00:05)

# fault_two_silos: the quickstart node restarted with fast membership, and a second silo of the same log (same state
# folder, Redis, chain and cluster: the environment of the first, with ports of its own) recorded as pids/node2.pid, so
# that quickstart.sh --stop ends it too. Sets F_URL1/F_OPS1/F_SILO1 (quickstart's node) and F_URL2/F_OPS2/F_SILO2.
fault_two_silos() {
  F_ENV+=("${F_MEMBERSHIP_ENV[@]}")
  stop_pid_file "$F_STATE/pids/node.pid"
  fault_recover
  local pid env_file http ops silo gateway
  pid=$(cat "$F_STATE/pids/node.pid")
  env_file="$F_STATE/node2.env"
  tr '\0' '\n' <"/proc/$pid/environ" | grep -E '^(Anchor|Logging)__' >"$env_file"
  chmod 600 "$env_file" # It holds the Redis password.
  F_SILO1=$(sed -n 's/^Anchor__Silo__Port=//p' "$env_file")
  F_URL1=$F_URL F_OPS1=$F_OPS
  http=$(free_port) ops=$(free_port) silo=$(free_port) gateway=$(free_port)
  (
    cd "$root/src/Anchor.Node/bin/Release/net10.0"
    mapfile -t vars < <(grep -vE '^Anchor__(Http__Port|Http__OperatorPort|Silo__Port|Silo__GatewayPort)=' "$env_file")
    env "${vars[@]}" Anchor__Http__Port="$http" Anchor__Http__OperatorPort="$ops" Anchor__Silo__Port="$silo" Anchor__Silo__GatewayPort="$gateway" \
      setsid dotnet Anchor.Node.dll </dev/null >>"$F_STATE/node2.log" 2>&1 &
    echo $! >"$F_STATE/pids/node2.pid"
  )
  F_URL2="http://127.0.0.1:$http" F_OPS2="http://127.0.0.1:$ops" F_SILO2=$silo
  local deadline=$((SECONDS + 90))
  until node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))' "$F_OPS2/healthz"; do
    [ $SECONDS -lt $deadline ] || { say "$F_NAME: the second silo is not healthy after 90 s; see $F_STATE/node2.log"; return 1; }
    sleep 0.2
  done
  say "$F_NAME: two silos: $F_URL1 (silo port $F_SILO1) and $F_URL2 (silo port $F_SILO2)"
}

# fault_sequencer_silo: "node" or "node2", whichever silo holds the log's sequencer now (its /healthz names the silo).
fault_sequencer_silo() {
  local silo
  silo=$(node -e 'fetch(process.argv[1]).then(r=>r.json()).then(j=>console.log(j.sequencerSilo??"")).catch(()=>console.log(""))' "$F_OPS1/healthz")
  case "$silo" in
    *":$F_SILO1:"*|*":$F_SILO1") echo node ;;
    *":$F_SILO2:"*|*":$F_SILO2") echo node2 ;;
    *) say "$F_NAME: no silo named for the sequencer: '$silo'"; return 1 ;;
  esac
}

# fault_use_silo node|node2: the checks and the load go to that silo.
fault_use_silo() {
  if [ "$1" = node ]; then F_URL=$F_URL1 F_OPS=$F_OPS1; else F_URL=$F_URL2 F_OPS=$F_OPS2; fi
}

# fault_signal SIGNAL NAME: a signal to a process quickstart.sh (or fault_two_silos) recorded, which stays recorded.
fault_signal() {
  local pid
  pid=$(cat "$F_STATE/pids/$2.pid")
  [ -n "$F_FAULT_AT" ] || F_FAULT_AT=$(now_ms)
  kill -"$1" "$pid"
  say "$F_NAME: kill -$1 $2 (pid $pid)"
}

# acks_since MS: acknowledgements of requests sent at or after MS.
acks_since() { node -e 'const t=+process.argv[2];console.log(require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(l=>l&&JSON.parse(l).s>=t).length)' "$F_STATE/ledger.jsonl" "$1"; }
