#!/bin/sh
# Forms the Redis Cluster of docker-compose.yml: 3 masters + 3 replicas. Idempotent:
#   - a cluster that is already formed (every node cluster_state:ok, 3 masters,
#     3 replicas in sync) is left alone;
#   - six empty nodes are joined with redis-cli --cluster create;
#   - anything in between (a half-formed or broken cluster that does not heal within
#     SETTLE_SECONDS) is reset and formed again: this cluster is a cache, nothing in it
#     is worth keeping.
# Exits 0 only when every node reports cluster_state:ok and all three replicas are
# attached; every wait is bounded.
set -eu

NODES="${REDIS_NODES:-redis-1 redis-2 redis-3 redis-4 redis-5 redis-6}"
PORT="${REDIS_PORT:-6379}"
WAIT_SECONDS="${WAIT_SECONDS:-60}"
SETTLE_SECONDS="${SETTLE_SECONDS:-20}"

log() { echo "[redis-cluster-init] $*"; }
# As the admin; the password comes from REDISCLI_AUTH.
cli() { host=$1; shift; redis-cli --user admin --no-auth-warning -h "$host" -p "$PORT" "$@"; }

# cluster_ready: every node says cluster_state:ok, and among them are exactly 3 masters
# with slots and 3 replicas whose link to their master is up. (cluster_state:ok comes
# ~3 s after create, the replicas up to ~7 s later.)
cluster_ready() {
  masters=0
  replicas=0
  for n in $NODES; do
    cli "$n" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    info=$(cli "$n" info replication 2>/dev/null) || return 1
    case "$info" in
      *role:master*) masters=$((masters + 1)) ;;
      *role:slave*)
        echo "$info" | grep -q '^master_link_status:up' || return 1
        replicas=$((replicas + 1))
        ;;
    esac
  done
  [ "$masters" -eq 3 ] && [ "$replicas" -eq 3 ]
}

# wait_for SECONDS COMMAND...: polls COMMAND once a second, at most SECONDS times
wait_for() {
  seconds=$1; shift
  i=0
  until "$@"; do
    i=$((i + 1))
    [ "$i" -lt "$seconds" ] || return 1
    sleep 1
  done
}

all_answer() {
  for n in $NODES; do
    [ "$(cli "$n" ping 2>/dev/null)" = PONG ] || return 1
  done
}

all_empty() {
  for n in $NODES; do
    cli "$n" cluster info | grep -q '^cluster_known_nodes:1[^0-9]*$' || return 1
  done
}

log "waiting for $NODES to answer PING"
wait_for "$WAIT_SECONDS" all_answer || { log "ERROR: not every node answered within ${WAIT_SECONDS}s"; exit 1; }

if cluster_ready; then
  log "cluster already formed: 3 masters, 3 replicas, cluster_state:ok on every node"
  exit 0
fi

if ! all_empty; then
  log "nodes already know each other: giving the cluster ${SETTLE_SECONDS}s to settle"
  if wait_for "$SETTLE_SECONDS" cluster_ready; then
    log "cluster formed"
    exit 0
  fi
  log "cluster did not settle: resetting every node and forming it again (cached data is dropped)"
  for n in $NODES; do
    # FLUSHALL fails on a replica (read-only) and is not needed there: RESET empties it.
    cli "$n" flushall >/dev/null 2>&1 || true
    cli "$n" cluster reset hard >/dev/null
  done
fi

# The cluster bus meets nodes by IP; clients are told the hostnames the nodes announce
# (--cluster-announce-hostname, --cluster-preferred-endpoint-type hostname).
addresses=""
for n in $NODES; do
  ip=$(getent hosts "$n" | awk '{ print $1; exit }')
  [ -n "$ip" ] || { log "ERROR: cannot resolve $n"; exit 1; }
  addresses="$addresses $ip:$PORT"
done
log "creating the cluster:$addresses"
# shellcheck disable=SC2086
redis-cli --user admin --no-auth-warning --cluster create $addresses --cluster-replicas 1 --cluster-yes

log "waiting for cluster_state:ok on every node and 3 replicas attached"
if ! wait_for "$WAIT_SECONDS" cluster_ready; then
  log "ERROR: cluster not ready within ${WAIT_SECONDS}s"
  cli redis-1 cluster nodes || true
  exit 1
fi
log "cluster formed"
cli redis-1 cluster nodes
