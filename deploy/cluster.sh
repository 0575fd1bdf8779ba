#!/usr/bin/env bash
# N silos of one Anchor log on this machine: one Redis, or a Redis Cluster (the cluster's membership table, reminders,
# grain state and the log), and N node processes, each an Orleans silo with its own HTTP port. See docs/operations.md.
#
#   deploy/cluster.sh [--nodes N] [--state DIR] [--base-port P] [--redis HOST:PORT | --redis-cluster] [--origin O] [--no-build] [--detach]
#   deploy/cluster.sh --stop [--state DIR]
#
# Node i answers HTTP on base-port + i (default 8080 + i), and its operator listener (/healthz, /metrics,
# /dashboard) on a free loopback port listed in DIR/cluster.json. Without --redis a private Redis (AOF fsynced on every
# write, a generated password in DIR/redis-password) is started in DIR; --redis-cluster starts a private Redis Cluster
# instead, 3 primaries and 3 replicas on free loopback ports (DIR/redis-cluster-ports), each in DIR/redis-cluster-I;
# --redis takes a StackExchange.Redis connection string (HOST:PORT,…,password=…). Settings in the environment
# (Anchor__Silo__Membership__ProbeTimeout=00:00:01, Anchor__Redis__Replicas=1, …) reach every node;
# ANCHOR_REDIS_CLUSTER_NODE_TIMEOUT sets the cluster's cluster-node-timeout (ms, default 5000). DIR/cluster.json lists
# the nodes; DIR/pids/nodeI.pid their process IDs.
set -euo pipefail
source "$(dirname "$0")/common.sh"

nodes=3
state=${ANCHOR_STATE:-$root/.state/cluster}
base_port=8080
redis=""
origin=${ANCHOR_ORIGIN:-cluster.anchor.local/log}
detach=0 do_build=1 stop=0 redis_cluster=0

usage() { sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) need "$@"; [[ "$2" =~ ^[1-9][0-9]?$ ]] || die "--nodes must be 1-99, got '$2'"; nodes=$2; shift 2 ;;
    --base-port) need "$@"; [[ "$2" =~ ^[1-9][0-9]*$ ]] && [ "$2" -le 65000 ] || die "--base-port must be a TCP port, got '$2'"; base_port=$2; shift 2 ;;
    --redis) need "$@"; redis=$2; shift 2 ;;
    --redis-cluster) redis_cluster=1; shift ;;
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

# cluster_ready PORT...: every server says cluster_state:ok and knows all the others.
cluster_ready() {
  local port info
  for port in "$@"; do
    info=$(redis_cli "$port" cluster info 2>/dev/null) || return 1
    grep -q '^cluster_state:ok' <<<"$info" && grep -q "^cluster_known_nodes:$#" <<<"$info" || return 1
  done
}

# A Redis Cluster of 3 primaries and 3 replicas: start_redis for each (cluster mode, replicas authenticate with the same
# password), joined by redis-cli --cluster create on the first start. Its 6 client ports, then 6 cluster bus ports (chosen
# too: the default, port + 10000, may be taken or beyond 65535), are kept in STATE/redis-cluster-ports: each server's
# nodes.conf names its peers by port, so a restart must use the same ones.
start_redis_cluster() {
  local all=() ports port i password
  if [ -s "$state/redis-cluster-ports" ]; then
    read -r -a all <"$state/redis-cluster-ports"
  else
    while [ ${#all[@]} -lt 12 ]; do
      port=$(free_port)
      [[ " ${all[*]} " == *" $port "* ]] || all+=("$port")
    done
    echo "${all[*]}" >"$state/redis-cluster-ports"
  fi
  ports=("${all[@]:0:6}")
  password=$(cat "$(redis_password_file)")
  for i in 0 1 2 3 4 5; do
    start_redis "${ports[$i]}" "redis-cluster-$i" "cluster-enabled yes
cluster-port ${all[$((i + 6))]}
cluster-config-file nodes.conf
cluster-node-timeout ${ANCHOR_REDIS_CLUSTER_NODE_TIMEOUT:-5000}
masterauth $password"
  done
  if redis_cli "${ports[0]}" cluster info | grep -q '^cluster_known_nodes:1'; then
    say "joining the Redis Cluster: 3 primaries, 3 replicas"
    REDISCLI_AUTH=$password redis-cli --no-auth-warning --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 --cluster-yes \
      >"$state/redis-cluster-create.log" 2>&1 || die "redis-cli --cluster create failed; see $state/redis-cluster-create.log"
  fi
  wait_until 60 "redis cluster" cluster_ready "${ports[@]}" || die "the Redis Cluster did not reach cluster_state:ok; see $state/redis-cluster-*.log"
  redis=$(printf '127.0.0.1:%s,' "${ports[@]}")
  redis=${redis%,}
}

redis_password_file=""
connection=$redis
if [ $redis_cluster -eq 1 ]; then
  [ -z "$redis" ] || die "--redis and --redis-cluster exclude each other"
  start_redis_cluster
  redis_password_file=$(redis_password_file)
  connection="$redis,password=$(cat "$redis_password_file")"
elif [ -z "$redis" ]; then
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

say "$nodes nodes of $origin are up, sharing Redis $redis$([ $redis_cluster -eq 1 ] && echo " (a Redis Cluster)")"
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
