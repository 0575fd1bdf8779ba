#!/usr/bin/env bash
# Reproduces docs/performance.md: builds Release, starts a private Redis (AOF fsynced on every write, as the node requires)
# and one node on loopback,
# runs `anchor bench` for each figure, and prints Redis memory per record. Everything it starts it stops.
# Usage: tests/bench.sh [RECORDS_SINGLE] [RECORDS_BATCH] [RECORDS_LOGS]     (defaults 20000, 1000000 and 300000)
# Ports: REDIS_PORT, HTTP_PORT, OPERATOR_PORT, SILO_PORT, GATEWAY_PORT (defaults 16399, 18080, 18081, 21111, 23000).
set -euo pipefail
cd "$(dirname "$0")/.."
SINGLE=${1:-20000}
BATCH=${2:-1000000}
LOGS_RECORDS=${3:-300000}
WORK=$(mktemp -d /tmp/anchor-bench.XXXXXX)
REDIS_PORT=${REDIS_PORT:-16399}
HTTP_PORT=${HTTP_PORT:-18080}
OPERATOR_PORT=${OPERATOR_PORT:-18081}
SILO_PORT=${SILO_PORT:-21111}
GATEWAY_PORT=${GATEWAY_PORT:-23000}
dotnet build -c Release src/Anchor.Node/Anchor.Node.csproj -v q -nologo >/dev/null
dotnet build -c Release src/Anchor.Cli/Anchor.Cli.csproj -v q -nologo >/dev/null
ANCHOR="dotnet src/Anchor.Cli/bin/Release/net10.0/anchor.dll"

# APPENDFSYNC=everysec with DURABILITY=Relaxed measures what durability costs (docs/performance.md, "The cost of durability").
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --appendonly yes --appendfsync "${APPENDFSYNC:-always}" --save "" --dir "$WORK" --daemonize no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
NODE_PID=
cleanup() { [ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null; kill "$REDIS_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done

# A root log, so that the last step can create logs (nothing seals here: no chain, no TSA, so it costs nothing).
dotnet src/Anchor.Node/bin/Release/net10.0/Anchor.Node.dll --Anchor:Origin=bench.local/log --Anchor:RootOrigin=bench.local/root --Anchor:StateDir="$WORK/state" \
  --Anchor:Redis:Connection=127.0.0.1:"$REDIS_PORT" --Anchor:Http:Address=127.0.0.1 --Anchor:Http:Port="$HTTP_PORT" \
  --Anchor:Http:OperatorPort="$OPERATOR_PORT" --Anchor:Silo:Port="$SILO_PORT" --Anchor:Silo:GatewayPort="$GATEWAY_PORT" \
  --Anchor:RateLimit:PermitsPerSecond=10000000 --Anchor:RateLimit:Burst=10000000 --Anchor:Durability="${DURABILITY:-Durable}" \
  --Anchor:RateLimit:ClientPermitsPerSecond=10000000 --Anchor:RateLimit:ClientBurst=10000000 \
  --Logging:LogLevel:Default=Warning >"$WORK/node.log" 2>&1 &
NODE_PID=$!
NODE=http://127.0.0.1:$HTTP_PORT
until curl -sf "http://127.0.0.1:$OPERATOR_PORT/healthz" >/dev/null; do sleep 0.2; done
TOKEN="$WORK/state/admin-token"
used() { redis-cli -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/{print $2}' | tr -d '\r'; }
size() { curl -sf "$NODE/checkpoint" | sed -n 2p; }
# Bytes Redis received and sent (every client: the node's appends and reads, and the bench's nothing: it talks to the node).
net() { redis-cli -p "$REDIS_PORT" info stats | awk -F: '/^total_net_input_bytes:/{i=$2} /^total_net_output_bytes:/{o=$2} END{gsub("\r","",i); gsub("\r","",o); print i, o}'; }

echo "== single ed25519, closed loop (maximum rate)"
# The node is fresh: a longer warm-up, so that the figure is of tier-1 code, not of the JIT at work. 256 requests in flight:
# 64 gave less (3,914 against 5,102 records/s in one A/B on this machine).
$ANCHOR bench --node "$NODE" --admin-token-file "$TOKEN" --mode single --records "$SINGLE" --concurrency 256 --warmup 15 | tee "$WORK/single.txt"
MAX=$(tr '\r' '\n' <"$WORK/single.txt" | awk '/records accepted in/{for(i=1;i<=NF;i++) if($i=="records/s") print $(i-1)}' | head -1)
HALF=$(awk -v m="$MAX" 'BEGIN{printf "%d", m/2}')
echo "== single ed25519 at half the maximum ($HALF records/s, open loop)"
$ANCHOR bench --node "$NODE" --admin-token-file "$TOKEN" --mode single --records "$SINGLE" --concurrency 256 --rate "$HALF"

echo "== sealed ledger rows in batches of 1000 (anchor seal's records), $BATCH rows; Redis memory per record"
M0=$(used); S0=$(size)
# The node's allocations during this step: the runtime's counter dotnet.gc.heap.total_allocated (what dotnet-counters
# shows), read from the node's /metrics before and after.
allocated() { curl -sf "http://127.0.0.1:$OPERATOR_PORT/metrics" | awk '/^dotnet_gc_heap_total_allocated_bytes_total/{print $2}' | head -1; }
A0=$(allocated); read -r N0 O0 < <(net)
$ANCHOR bench --node "$NODE" --admin-token-file "$TOKEN" --mode seal --batch-size 1000 --records "$BATCH" --concurrency 4
A1=$(allocated); read -r N1 O1 < <(net)
M1=$(used); S1=$(size)
echo "redis used_memory delta $((M1 - M0)) bytes over $((S1 - S0)) records = $(( (M1 - M0) / (S1 - S0) )) bytes/record"
ALLOC=$(awk -v a="$A0" -v b="$A1" 'BEGIN{printf "%.0f", b - a}')
echo "node allocated (dotnet.gc.heap.total_allocated from /metrics) $ALLOC bytes over $((S1 - S0)) records = $(( ALLOC / (S1 - S0) )) bytes/record"
echo "node to redis $((N1 - N0)) bytes, redis to node $((O1 - O0)) bytes over $((S1 - S0)) records = $(( (N1 - N0) / (S1 - S0) )) and $(( (O1 - O0) / (S1 - S0) )) bytes/record"

echo "== proof GETs on a log of $(size) entries"
# Steady state: 30 s of GETs first, so that the proof path runs tier-1 code and the node keeps the tiles and batches of the
# log (Anchor:Cache:*) as a serving node does; the first pass over a log of a million entries is about half as fast.
$ANCHOR bench --node "$NODE" --admin-token-file "$TOKEN" --proofs --records 100000 --concurrency 64 --duration 20 --warmup 30

# The same sealed rows over 1, 2 and 4 logs of this node (the default log first, the others created), RECORDS_LOGS in all,
# 4 batches in flight per log: per-log and total records/s (docs/scaling.md).
for N in 1 2 4; do
  echo "== sealed rows in batches of 1000 over $N log(s), $LOGS_RECORDS rows in all"
  $ANCHOR bench --node "$NODE" --admin-token-file "$TOKEN" --mode seal --batch-size 1000 --records "$LOGS_RECORDS" --concurrency 4 --logs "$N"
done
