#!/usr/bin/env bash
# Anchor on one machine, for trying it out: Redis, a local chain (anvil), the registry contract, a development
# TSA, one node, and a demo record that is submitted, sealed (anchored and time-stamped) and verified.
# See README.md and docs/operations.md.
#
#   deploy/quickstart.sh [--port P] [--state DIR] [--detach] [--no-demo] [--no-build] [--provider-roots DIR] [--redis-port P]
#                        [--anvil-port P] [--tsa-port P] [--silo-port P] [--gateway-port P] [--operator-port P]
#   deploy/quickstart.sh --stop [--state DIR]
#
# Ports not given (flags, or ANCHOR_REDIS_PORT, ANCHOR_ANVIL_PORT, …) are picked free on the first run and
# recorded in DIR/ports, so a second run with the same DIR resumes the same log on the same chain state.
# The development TSA (deploy/dev-tsa.mjs) is OpenSSL's `openssl ts -reply`: no court accepts its time-stamps.
set -euo pipefail
source "$(dirname "$0")/common.sh"

http_port=${ANCHOR_HTTP_PORT:-}
redis_port=${ANCHOR_REDIS_PORT:-}
anvil_port=${ANCHOR_ANVIL_PORT:-}
tsa_port=${ANCHOR_TSA_PORT:-}
silo_port=${ANCHOR_SILO_PORT:-}
gateway_port=${ANCHOR_GATEWAY_PORT:-}
operator_port=${ANCHOR_OPERATOR_PORT:-}
state=${ANCHOR_STATE:-$root/.state}
origin=${ANCHOR_ORIGIN:-quickstart.anchor.local/log}
provider_roots=${ANCHOR_PROVIDER_ROOTS:-}
detach=0 demo=1 do_build=1 stop=0

usage() { sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
port_arg() { need "$1" "${2:-}"; [[ "$2" =~ ^[1-9][0-9]*$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || die "$1 must be a TCP port, got '$2'"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port_arg "$@"; http_port=$2; shift 2 ;;
    --redis-port) port_arg "$@"; redis_port=$2; shift 2 ;;
    --anvil-port) port_arg "$@"; anvil_port=$2; shift 2 ;;
    --tsa-port) port_arg "$@"; tsa_port=$2; shift 2 ;;
    --silo-port) port_arg "$@"; silo_port=$2; shift 2 ;;
    --gateway-port) port_arg "$@"; gateway_port=$2; shift 2 ;;
    --operator-port) port_arg "$@"; operator_port=$2; shift 2 ;;
    --state) need "$@"; state=$2; shift 2 ;;
    --provider-roots) need "$@"; provider_roots=$2; shift 2 ;;
    --detach) detach=1; shift ;;
    --no-demo) demo=0; shift ;;
    --no-build) do_build=0; shift ;;
    --stop) stop=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
prepare_state

# Ports: flag or environment, else what the last run of this state folder used, else defaults and free ones.
if [ -f "$state/ports" ]; then source "$state/ports"; fi
http_port=${http_port:-${recorded_http_port:-8080}}
redis_port=${redis_port:-${recorded_redis_port:-$(free_port)}}
anvil_port=${anvil_port:-${recorded_anvil_port:-$(free_port)}}
tsa_port=${tsa_port:-${recorded_tsa_port:-$(free_port)}}
silo_port=${silo_port:-${recorded_silo_port:-$(free_port)}}
gateway_port=${gateway_port:-${recorded_gateway_port:-$(free_port)}}
operator_port=${operator_port:-${recorded_operator_port:-$(free_port)}}
origin=${recorded_origin:-$origin}
# Before anything starts: a port held by another process would make a part fail to bind while something else answers
# in its place (another node on 8080 once got its log key written into node.json). Parts of this folder that run keep theirs.
if running node; then
  check_ports redis="$redis_port" anvil="$anvil_port"
else
  check_ports node="$http_port" operator="$operator_port" silo="$silo_port" gateway="$gateway_port" \
    redis="$redis_port" anvil="$anvil_port" tsa="$tsa_port"
fi
cat >"$state/ports" <<PORTS
recorded_http_port=$http_port
recorded_redis_port=$redis_port
recorded_anvil_port=$anvil_port
recorded_tsa_port=$tsa_port
recorded_silo_port=$silo_port
recorded_gateway_port=$gateway_port
recorded_operator_port=$operator_port
recorded_origin=$origin
PORTS

install_missing
[ $do_build -eq 1 ] && build
[ -f "$node_dll" ] && [ -f "$cli_dll" ] || die "the node is not built: run without --no-build"

if running node; then
  # A part of a running quickstart died (Redis killed, anvil stopped): start again only what is not running.
  start_redis "$redis_port"
  start_anvil "$anvil_port"
  say "the node of $state is already running (pid $(cat "$state/pids/node.pid")); Redis and anvil are up. Stop everything with: $0 --stop --state $state"
  exit 0
fi
if [ $detach -eq 0 ]; then trap 'echo >&2; stop_all; exit 130' INT TERM; fi
start_redis "$redis_port"
start_anvil "$anvil_port"
rpc_url="http://127.0.0.1:$anvil_port"
chain_key="$state/chain-key"
write_dev_key "$chain_key"
registry=$(ensure_registry "$rpc_url" "$chain_key")
say "registry $registry on chain 31337"
start_tsa "$tsa_port"
tsa_url="http://127.0.0.1:$tsa_port/"
tsa_root="$state/tsa/tsa-root.pem"

# The CA certificates the node accepts for provider identities: --provider-roots DIR, else an empty folder in the
# state folder (the node then refuses keys that come with a certificate chain). Files added later count at once.
provider_roots=${provider_roots:-$state/provider-roots}
mkdir -p "$provider_roots"
provider_roots=$(cd "$provider_roots" && pwd)

url="http://127.0.0.1:$http_port"
say "starting the node on $url (log $origin)"
mkdir -p "$state/node"
touch "$state/node.log"
log_offset=$(wc -c <"$state/node.log")
(
  cd "$(dirname "$node_dll")"
  export Anchor__Origin="$origin" Anchor__StateDir="$state/node" \
    Anchor__Redis__Connection="127.0.0.1:$redis_port,password=$(cat "$(redis_password_file)")" \
    Anchor__Http__Address=127.0.0.1 Anchor__Http__Port="$http_port" \
    Anchor__Http__OperatorAddress=127.0.0.1 Anchor__Http__OperatorPort="$operator_port" \
    Anchor__Silo__Port="$silo_port" Anchor__Silo__GatewayPort="$gateway_port" \
    Anchor__Chains__0__Name=local Anchor__Chains__0__RpcUrl="$rpc_url" Anchor__Chains__0__ChainId=31337 \
    Anchor__Chains__0__Registry="$registry" Anchor__Chains__0__KeyFile="$chain_key" Anchor__Anchoring__IntervalSeconds=2 \
    Anchor__Trust__ProviderRoots="$provider_roots" \
    Anchor__Tsa__0__Name=dev-tsa Anchor__Tsa__0__Url="$tsa_url" Anchor__Tsa__0__HashAlg=sha256 Anchor__Tsa__0__Roots="$tsa_root"
  # The start line names the log key, which the check below reads, whatever level the rest of the log is at.
  start node "$state/node.log" env 'Logging__LogLevel__Anchor.Node.Startup=Information' dotnet "$node_dll"
)
operator_url="http://127.0.0.1:$operator_port"
ready=0
wait_node "$operator_url" node 2>"$state/refusal" || ready=$?
if [ $ready -eq 4 ]; then
  tail -c +$((log_offset + 1)) "$state/node.log" | tail -n 20 >&2 || true
  stop_all
  die "the node exited while starting; see $state/node.log"
elif [ $ready -eq 3 ]; then
  die "the node refuses to sequence (log_rolled_back): $(cat "$state/refusal"). It still serves reads at $url. See docs/operations.md, \"The log was rolled back\"."
elif [ $ready -ne 0 ]; then
  tail -n 20 "$state/node.log" >&2 || true
  die "the node did not become healthy in 90 s; see $state/node.log"
fi
rm -f "$state/refusal"
# The node that answers must be the one just started: the log key it serves is the one it logged at this start.
started_key=$(tail -c +$((log_offset + 1)) "$state/node.log" | grep -o 'log key [^,]*' | head -n 1 | cut -d' ' -f3- || true)
served_key=$(http_get "$url/v1/node" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).logKey||"")}catch{console.log("")}})' || true)
if [ -z "$started_key" ] || [ "$served_key" != "$started_key" ] || ! running node; then
  stop_all
  die "the node at $url is not the one this script started (it serves log key '${served_key:-none}', the node started logged '${started_key:-none}'); see $state/node.log"
fi

# What a client needs to find this node, written for scripts and tests; the trust file is the node's own entry,
# what its operator would publish (a court compares it with that publication: it is never taken from a bundle).
node_info=$(http_get "$url/v1/node")
anchor trust export --node "$url" -o "$state/trust.json" >/dev/null
node -e '
  const [info, url, tokenFile, rpc, registry, tsaRoot, trustFile, rootsDir, out, operatorUrl, redis, redisPasswordFile] = process.argv.slice(1);
  const n = JSON.parse(info);
  const chains = (n.chains && n.chains.length) ? n.chains : [{ chainId: "31337", rpc, registry }];
  const tsa = (n.tsa || []).map(t => ({ ...t, root: tsaRoot, note: "development TSA (openssl ts -reply): no court accepts its time-stamps" }));
  require("fs").writeFileSync(out, JSON.stringify({ url, operatorUrl, adminTokenFile: tokenFile, logKey: n.logKey, origin: n.origin,
    chains: chains.map(c => ({ ...c, rpc: c.rpc || rpc })), tsa, trustFile, providerRootsDir: rootsDir, redis, redisPasswordFile }, null, 2) + "\n");
' "$node_info" "$url" "$state/node/admin-token" "$rpc_url" "$registry" "$tsa_root" "$state/trust.json" "$provider_roots" "$state/node.json" "$operator_url" \
  "127.0.0.1:$redis_port" "$state/redis-password"
anchoring=$(node -e 'const n=JSON.parse(process.argv[1]); console.log(n.chains && n.chains.length ? "yes" : "no")' "$node_info")
# The node's entry for a verifier's trust file (its log key, and per chain the registry, operator and log ID): what a
# court compares with what it chose to trust; here, for the demo and the tour, trusted as it is.
http_get "$url/v1/trust" >"$state/trust.json"

export ANCHOR_NODE="$url" ANCHOR_ADMIN_TOKEN_FILE="$state/node/admin-token"
if [ $demo -eq 1 ]; then
  say "demo: a provider, one record, its proof"
  key="$state/demo-provider.key"
  [ -f "$key" ] || anchor keygen --alg ed25519 --out "$key" >/dev/null
  anchor admin provider show --id demo >/dev/null 2>&1 \
    || anchor admin provider add --id demo --name "Demo provider" --key "$key" --key-id demo-1 >/dev/null
  # Each run's demo is a new record of a new document: both stay together in their own folder, so every demo bundle
  # can still be checked with --file after later runs.
  demo_dir="$state/demo/$(date -u +%Y%m%dT%H%M%SZ)-$$"
  mkdir -p "$demo_dir"
  doc="$demo_dir/contract.txt"
  demo_bundle="$demo_dir/bundle.json"
  echo "Demo contract, signed $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$doc"
  wait_for=seal
  if [ "$anchoring" = no ]; then
    say "this node build does not anchor yet: waiting for a checkpoint instead"
    wait_for=checkpoint
  fi
  anchor submit --provider demo --key "$key" --key-id demo-1 --file "$doc" --contract demo-contract-1 \
    --kind contract.document --wait "$wait_for" --timeout 120 -o "$demo_bundle"
  anchor verify "$demo_bundle" --file "$doc" --trust "$state/trust.json" --rpc "31337=$rpc_url"
  if [ "$wait_for" = seal ]; then
    # The same token checked by OpenSSL, not by Anchor (docs/verification.md, by hand): its imprint is the hash of
    # the checkpoint body, and it chains to the development TSA's root.
    node -e '
      const b = require(process.argv[1]); const t = b.timestamps[0];
      const body = b.checkpoint.slice(0, b.checkpoint.lastIndexOf("\n\n") + 1);
      require("fs").writeFileSync(process.argv[2], Buffer.from(t.token, "base64"));
      console.log(require("crypto").createHash(t.hashAlg).update(body).digest("hex"));
    ' "$demo_bundle" "$demo_dir/token.der" >"$demo_dir/token.digest"
    say "openssl ts -verify of the demo bundle's time-stamp against the development TSA root:"
    openssl ts -verify -in "$demo_dir/token.der" -token_in -digest "$(cat "$demo_dir/token.digest")" -CAfile "$tsa_root" 2>/dev/null
  fi
fi

cat <<DONE

Anchor is running.
  node           $url
  API reference  $url/scalar   (OpenAPI document: $url/openapi/v1.json)
  dashboard      $operator_url/dashboard/   (metrics: $operator_url/metrics, health: $operator_url/healthz; loopback only)
  admin token    $state/node/admin-token   (keep it secret)
  dev TSA        $tsa_url   (development only: no court accepts its time-stamps; root $tsa_root)
  node.json      $state/node.json
  trust file     $state/trust.json   (the node's entry: log key, registry, TSA root; a verifier compares it with the operator's publication)
  provider roots $provider_roots   (CA certificates for provider identities)
  redis          127.0.0.1:$redis_port   (password in $state/redis-password)
  logs           $state/node.log, $state/redis.log, $state/anvil.log, $state/tsa.log
  demos          $state/demo/   (one folder per run: contract.txt beside its bundle.json)

Try next (the CLI is: dotnet $cli_dll):
  export ANCHOR_NODE=$url ANCHOR_ADMIN_TOKEN_FILE=$state/node/admin-token
  anchor status
  anchor admin provider list
  anchor submit --provider demo --key $state/demo-provider.key --key-id demo-1 --file README.md --contract c-2 --kind contract.document --wait seal -o $state/bundle.json
  anchor verify $state/bundle.json --file README.md --trust $state/trust.json --rpc 31337=$rpc_url
  anchor audit --redis 127.0.0.1:$redis_port --redis-password-file $state/redis-password --origin $origin --trust $state/trust.json --rpc 31337=$rpc_url
  $0 --stop --state $state
DONE

if [ $detach -eq 1 ]; then exit 0; fi
say "running in the foreground; Ctrl-C stops everything"
while running node; do sleep 1; done
if [ -f "$state/stopped" ]; then
  say "stopped (by $0 --stop)"
  exit 0
fi
say "the node exited; see $state/node.log"
stop_all
exit 1
