# Shared by quickstart.sh and cluster.sh: installs, builds, runs and stops the parts of a local Anchor.
# Every process started is recorded as STATE/pids/NAME.pid so that --stop ends exactly those.

# The state folder holds keys, tokens, the Redis password, the AOF and logs: everything created from here on (by these
# scripts and the processes they start) is the operator's only, files 0600 and folders 0700.
umask 077

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node_dll="$root/src/Anchor.Node/bin/Release/net10.0/Anchor.Node.dll"
cli_dll="$root/src/Anchor.Cli/bin/Release/net10.0/anchor.dll"
# Anvil's well-known development account 0: public, funded only on local dev chains. Never use it elsewhere.
anvil_dev_key=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

need() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }

# prepare_state: creates STATE/pids and makes $state absolute; with --stop ($stop=1) stops what was recorded there and exits.
prepare_state() {
  mkdir -p "$state/pids"
  state=$(cd "$state" && pwd)
  # Folders made by older versions of these scripts (0755, files 0644): nobody else may read them either.
  chmod -R go-rwx "$state"
  if [ "$stop" -eq 1 ]; then
    # Tells a quickstart waiting in the foreground that its node ends on purpose (it then exits 0, not 1).
    touch "$state/stopped"
    stop_all
    say "stopped everything recorded in $state/pids"
    exit 0
  fi
  rm -f "$state/stopped"
}

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
anchor() { dotnet "$cli_dll" "$@"; }

# rpc URL METHOD PARAMS_JSON: one JSON-RPC call (node's fetch: nothing beyond Node.js is needed); prints the result.
rpc() {
  node -e 'fetch(process.argv[1],{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({jsonrpc:"2.0",id:1,method:process.argv[2],params:JSON.parse(process.argv[3])})})
    .then(r=>r.json()).then(j=>{if(j.error)process.exit(2);console.log(typeof j.result==="string"?j.result:JSON.stringify(j.result))}).catch(()=>process.exit(1))' "$@"
}

# wait_node URL [NAME]: until the node at URL is healthy (0), or reports that it refuses to sequence because its log went
# backwards (3, the reason on stderr); 1 after 90 s; 4 as soon as the process recorded as NAME has exited (whatever
# answers at URL then is someone else's).
wait_node() {
  local deadline=$((SECONDS + 90)) verdict
  while [ $SECONDS -lt $deadline ]; do
    if [ -n "${2:-}" ] && ! running "$2"; then return 4; fi
    verdict=$(node -e 'fetch(process.argv[1]).then(async r=>{const j=await r.json().catch(()=>({}));console.log(r.ok?"ok":j.code==="log_rolled_back"?"refuses "+j.sequencer:"")}).catch(()=>console.log(""))' "$1/healthz")
    case "$verdict" in
      ok) return 0 ;;
      refuses*) echo "${verdict#refuses }" >&2; return 3 ;;
    esac
    sleep 0.2
  done
  return 1
}

# http_ok URL: succeeds when URL answers 2xx.
http_ok() { node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))' "$1"; }

# http_get URL: prints the body of a 2xx answer.
http_get() { node -e 'fetch(process.argv[1]).then(async r=>{if(!r.ok)process.exit(1);process.stdout.write(await r.text())}).catch(()=>process.exit(1))' "$1"; }

# port_taken PORT: succeeds when something on this host holds PORT on loopback: it accepts a connection, or the port
# cannot be bound (a listener on 0.0.0.0 or ::, or one that does not accept yet).
port_taken() {
  node -e '
    const net = require("net"), port = +process.argv[1];
    const c = net.connect({ host: "127.0.0.1", port }, () => { c.destroy(); process.exit(0); });
    c.on("error", () => {
      const s = net.createServer().once("error", () => process.exit(0)).listen({ host: "127.0.0.1", port, exclusive: true }, () => s.close(() => process.exit(1)));
    });' "$1"
}

# check_ports NAME=PORT...: dies naming every port another process holds. A part of this state folder that is running
# (its pid recorded and alive) holds its own port: that is no clash.
check_ports() {
  local pair name port clashes=()
  for pair in "$@"; do
    name=${pair%%=*} port=${pair#*=}
    running "$name" && continue
    port_taken "$port" && clashes+=("$name port $port")
  done
  [ ${#clashes[@]} -eq 0 ] || die "in use by another process: ${clashes[*]}. Stop that process, or choose other ports (--port, --operator-port, --redis-port, --anvil-port, --tsa-port, --silo-port, --gateway-port; see $state/ports)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

install_missing() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # The development TSA is `openssl ts -reply`.
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} (apt)"
    [ "$(id -u)" -eq 0 ] && sudo= || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -d "$root/contracts/node_modules" ] || [ "$root/contracts/package-lock.json" -nt "$root/contracts/node_modules/.package-lock.json" ]; then
    say "npm ci in contracts/"
    (cd "$root/contracts" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build() {
  say "building (dotnet build -c Release)"
  # The build's outputs are not secrets: the usual modes, not the state folder's.
  (umask 022 && dotnet build "$root/Anchor.sln" -c Release -nologo -v q >/dev/null) || die "the build failed: run 'dotnet build Anchor.sln -c Release' to see why"
}

anvil_bin() {
  local os=linux arch=amd64
  [ "$(uname -s)" = Darwin ] && os=darwin
  case "$(uname -m)" in aarch64|arm64) arch=arm64 ;; esac
  # The platform binary itself, not node_modules/.bin/anvil (a node wrapper): SIGTERM must reach anvil so it dumps --state.
  local bin="$root/contracts/node_modules/@foundry-rs/anvil-$os-$arch/bin/anvil"
  [ -x "$bin" ] || die "anvil is missing ($bin): run 'npm ci' in contracts/"
  echo "$bin"
}

# start NAME LOGFILE COMMAND...: runs COMMAND in the background, records its pid.
start() {
  local name=$1 log=$2; shift 2
  # Its own session: a detached run outlives this shell and the terminal; --stop and Ctrl-C end it by pid.
  if command -v setsid >/dev/null 2>&1; then setsid "$@" </dev/null >>"$log" 2>&1 &
  else "$@" </dev/null >>"$log" 2>&1 &
  fi
  echo $! >"$state/pids/$name.pid"
}

running() { [ -f "$state/pids/$1.pid" ] && kill -0 "$(cat "$state/pids/$1.pid")" 2>/dev/null; }

# wait_until SECONDS WHAT COMMAND...: polls COMMAND until it succeeds.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# STATE/redis-password, generated at the first start: Redis requires it, the node's connection string carries it.
redis_password_file() {
  if [ ! -s "$state/redis-password" ]; then
    node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' >"$state/redis-password"
  fi
  chmod 600 "$state/redis-password"
  echo "$state/redis-password"
}

# redis_cli PORT ARGS...: redis-cli against one Redis server of this state folder (REDISCLI_AUTH keeps the password out of ps).
redis_cli() { local port=$1; shift; REDISCLI_AUTH=$(cat "$(redis_password_file)") redis-cli --no-auth-warning -p "$port" "$@"; }

# redis_ping PORT: succeeds when the Redis of this state folder answers.
redis_ping() { redis_cli "$1" ping 2>/dev/null | grep -q PONG; }

# The node acknowledges a record only once Redis has fsynced it (appendfsync always; docs/operations.md, "Durability").
# ANCHOR_REDIS_APPENDFSYNC=everysec is for measurements only (tests/faults.sh, benchmarks): the node then refuses to
# start unless Anchor__Durability=Relaxed is set as well.
# start_redis PORT [NAME [CONF]]: the server recorded as NAME (default redis), its data in STATE/NAME, CONF (lines of
# redis.conf) added to the common settings.
start_redis() {
  local port=$1 name=${2:-redis} extra=${3:-} password
  mkdir -p "$state/$name"
  if running "$name"; then return; fi
  password=$(cat "$(redis_password_file)")
  say "starting Redis $name on 127.0.0.1:$port (AOF fsynced on every write, password in $state/redis-password, data in $state/$name)"
  # The password goes in a 0600 file, not on the command line, which every local user can read with ps.
  cat >"$state/$name.conf" <<CONF
port $port
bind 127.0.0.1
appendonly yes
appendfsync ${ANCHOR_REDIS_APPENDFSYNC:-always}
dir $state/$name
save ""
daemonize no
requirepass $password
$extra
CONF
  start "$name" "$state/$name.log" redis-server "$state/$name.conf"
  wait_until 15 "$name" redis_ping "$port" || die "Redis $name did not start; see $state/$name.log"
}

start_anvil() {
  local port=$1
  if running anvil; then return; fi
  say "starting anvil on 127.0.0.1:$port (chain 31337, state in $state/anvil-state.json)"
  # --state loads the chain at start and dumps it on exit; --state-interval also dumps it every 5 s (a kill -9 loses little).
  start anvil "$state/anvil.log" "$(anvil_bin)" --host 127.0.0.1 --port "$port" --chain-id 31337 \
    --state "$state/anvil-state.json" --state-interval 5 --silent
  wait_until 20 anvil rpc "http://127.0.0.1:$port" eth_chainId '[]' || die "anvil did not start; see $state/anvil.log"
}

# start_tsa PORT: the development TSA (deploy/dev-tsa.mjs: `openssl ts -reply` behind Node.js), its CA and certificate
# generated into STATE/tsa at first run. NO COURT ACCEPTS ITS TIME-STAMPS: it stands in for a commercial TSA.
start_tsa() {
  local port=$1
  if running tsa; then return; fi
  say "starting the development TSA on 127.0.0.1:$port (root $state/tsa/tsa-root.pem; no court accepts its time-stamps)"
  start tsa "$state/tsa.log" node "$root/deploy/dev-tsa.mjs" --state "$state/tsa" --port "$port"
  wait_until 30 tsa http_ok "http://127.0.0.1:$port/" || die "the development TSA did not start; see $state/tsa.log"
}

# The registry recorded in STATE/registry, if it still has code on the chain; else a fresh deployment.
ensure_registry() {
  local rpc=$1 key=$2
  if [ -f "$state/registry" ]; then
    local code
    code=$(rpc "$rpc" eth_getCode "[\"$(cat "$state/registry")\",\"latest\"]" || true)
    case "$code" in 0x|'') ;; *) cat "$state/registry"; return ;; esac
  fi
  say "deploying the AnchorRegistry"
  anchor chain deploy --rpc "$rpc" --key "$key" --chain-id 31337 >"$state/registry.tmp" || die "anchor chain deploy failed"
  tr -d '\n' <"$state/registry.tmp" >"$state/registry" && rm -f "$state/registry.tmp"
  cat "$state/registry"
}

write_dev_key() {
  local file=$1
  if [ ! -f "$file" ]; then
    (umask 077 && echo "$anvil_dev_key" >"$file")
  fi
  chmod 600 "$file"
}

# stop_all: TERM to every recorded process (nodes first, then the TSA, anvil and Redis, or each server of a Redis Cluster), KILL after 15 s.
stop_all() {
  local order=() f
  for f in "$state"/pids/node*.pid; do [ -f "$f" ] && order+=("$f"); done
  for f in "$state/pids/tsa.pid" "$state/pids/anvil.pid" "$state/pids/redis.pid" "$state"/pids/redis-cluster-*.pid; do [ -f "$f" ] && order+=("$f"); done
  for f in "${order[@]}"; do
    local pid
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping $(basename "$f" .pid) (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      local deadline=$((SECONDS + 15))
      while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}
