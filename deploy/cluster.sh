#!/usr/bin/env bash
# N silos of one Anchor log on this machine: one Redis (the cluster's membership table and the log), and
# N node processes, each an Orleans silo with its own HTTP port. See docs/operations.md.
#
#   deploy/cluster.sh [--nodes N] [--state DIR] [--base-port P] [--redis HOST:PORT] [--origin O] [--no-build] [--detach]
#   deploy/cluster.sh --stop [--state DIR]
#
# Node i answers HTTP on base-port + i (default 8080 + i), and its operator listener (/healthz, /metrics,
# /dashboard) on a free loopback port listed in DIR/cluster.json. Without --redis a private Redis (AOF fsynced on every
# write, a generated password in DIR/redis-password) is started in DIR; --redis takes a StackExchange.Redis
# connection string (HOST:PORT,password=…). Settings in the environment (Anchor__Silo__Membership__ProbeTimeout=00:00:01, …)
# reach every node. DIR/cluster.json lists the nodes; DIR/pids/nodeI.pid their process IDs.
set -euo pipefail
source "$(dirname "$0")/common.sh"

nodes=3
state=${ANCHOR_STATE:-$root/.state/cluster}
base_port=8080
redis=""
origin=${ANCHOR_ORIGIN:-cluster.anchor.local/log}
detach=0 do_build=1 stop=0

usage() { sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) need "$@"; [[ "$2" =~ ^[1-9][0-9]?$ ]] || die "--nodes must be 1-99, got '$2'"; nodes=$2; shift 2 ;;
    --base-port) need "$@"; [[ "$2" =~ ^[1-9][0-9]*$ ]] && [ "$2" -le 65000 ] || die "--base-port must be a TCP port, got '$2'"; base_port=$2; shift 2 ;;
    --redis) need "$@"; redis=$2; shift 2 ;;
    --origin) need "$@"; origin=$2; shift 2 ;;
    --state) need "$@"; state=$2; shift 2 ;;
    --detach) detach=1; shift ;;
    --no-build) do_build=0; shift ;;
    --stop) stop=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
prepare_state
for f in "$state"/pids/node*.pid; do
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && die "a cluster of $state is running; stop it with: $0 --stop --state $state"
done

install_missing
[ $do_build -eq 1 ] && build
[ -f "$node_dll" ] || die "the node is not built: run without --no-build"
if [ $detach -eq 0 ]; then trap 'echo >&2; stop_all; exit 130' INT TERM; fi

redis_password_file=""
connection=$redis
if [ -z "$redis" ]; then
  redis_port=$(free_port)
  start_redis "$redis_port"
  redis="127.0.0.1:$redis_port"
  redis_password_file=$(redis_password_file)
  connection="$redis,password=$(cat "$redis_password_file")"
fi

# One state folder for all: every silo signs with the same log key and accepts the same admin token.
mkdir -p "$state/node"
cluster_id="anchor-$(printf '%s' "$origin" | cksum | cut -d' ' -f1)"
entries=()
operator_ports=()
for i in $(seq 0 $((nodes - 1))); do
  http_port=$((base_port + i)) silo_port=$(free_port) gateway_port=$(free_port) operator_port=$(free_port)
  operator_ports[$i]=$operator_port
  say "starting node $i: http://127.0.0.1:$http_port (operator port $operator_port, silo port $silo_port)"
  (
    cd "$(dirname "$node_dll")"
    export Anchor__Origin="$origin" Anchor__StateDir="$state/node" Anchor__Redis__Connection="$connection" \
      Anchor__Http__Address=127.0.0.1 Anchor__Http__Port="$http_port" \
      Anchor__Http__OperatorAddress=127.0.0.1 Anchor__Http__OperatorPort="$operator_port" \
      Anchor__Silo__Port="$silo_port" Anchor__Silo__GatewayPort="$gateway_port" \
      Anchor__Silo__ClusterId="$cluster_id" Anchor__Silo__ServiceId="$cluster_id"
    start "node$i" "$state/node$i.log" dotnet "$node_dll"
  )
  entries+=("{\"url\":\"http://127.0.0.1:$http_port\",\"operatorUrl\":\"http://127.0.0.1:$operator_port\",\"siloPort\":$silo_port,\"pid\":$(cat "$state/pids/node$i.pid"),\"log\":\"$state/node$i.log\"}")
  # The first silo creates the log key and admin token; the others then read the same files.
  if [ "$i" -eq 0 ]; then
    wait_node "http://127.0.0.1:$operator_port" || die "node 0 did not become healthy; see $state/node0.log and docs/operations.md"
  fi
done
for i in $(seq 1 $((nodes - 1))); do
  wait_node "http://127.0.0.1:${operator_ports[$i]}" || die "node $i did not become healthy; see $state/node$i.log and docs/operations.md"
done
(IFS=,; printf '{"origin":"%s","redis":"%s","redisPasswordFile":"%s","adminTokenFile":"%s","nodes":[%s]}\n' "$origin" "$redis" "$redis_password_file" "$state/node/admin-token" "${entries[*]}") >"$state/cluster.json"

say "$nodes nodes of $origin are up, sharing Redis $redis"
for i in $(seq 0 $((nodes - 1))); do echo "  node $i  http://127.0.0.1:$((base_port + i))   operator http://127.0.0.1:${operator_ports[$i]}"; done
echo "  cluster.json  $state/cluster.json"
echo "  stop with     $0 --stop --state $state"
if [ $detach -eq 1 ]; then exit 0; fi
say "running in the foreground; Ctrl-C stops every node"
while true; do
  alive=0
  for f in "$state"/pids/node*.pid; do [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1; done
  [ $alive -eq 1 ] || break
  sleep 1
done
say "every node exited"
stop_all
