#!/usr/bin/env bash
# Runs docker-compose.yml for real, on rootful podman, and proves it:
#   - the app image builds from the Dockerfile (jar built first if missing or stale);
#   - every service becomes healthy (its compose healthcheck, run here: podman cannot run
#     them itself without systemd, see .ci/compose.podman.yml);
#   - GET /users/1 answers 401 without a token and 200 with one from the development
#     issuer (compose/dev-token.sh), through the published port, and the profile is then
#     cached in the Redis Cluster;
#   - the six Redis nodes form one cluster: 3 masters, 3 replicas, cluster_state:ok on each.
# Always tears the stack down (down -v), also on failure, and then prints the logs of the
# service that failed. Idempotent; every wait is bounded. Its own compose project name,
# so it never touches the tests' containers. Needs host ports 8080 and 8081 free.
set -euo pipefail
cd "$(dirname "$0")/.."

PROJECT="${COMPOSE_CHECK_PROJECT:-ups-compose-check}"
HEALTH_SECONDS="${COMPOSE_CHECK_HEALTH_SECONDS:-240}"
SERVICES=(postgres redis-1 redis-2 redis-3 redis-4 redis-5 redis-6 redis-cluster-init app)
export DOCKER_HOST=unix:///run/podman/podman.sock
DC=(docker-compose --no-ansi -p "$PROJECT" -f docker-compose.yml -f .ci/compose.podman.yml)

t0=$(date +%s.%N)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { printf '[compose-check] %s\n' "$*"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
TIMINGS=()
failing=""

fail() {
  log "FAILED: $*" >&2
  exit 1
}

# container id of a service of our project (also when exited)
cid() {
  podman ps -aq --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" | head -n 1
}

teardown() {
  local rc=$?
  trap - EXIT
  set +e
  if [ "$rc" != 0 ]; then
    log "status of the stack:"
    podman ps -a --filter "label=com.docker.compose.project=$PROJECT" \
      --format '  {{.Names}}\t{{.Status}}' >&2
    local services=("${SERVICES[@]}")
    [ -z "$failing" ] || services=("$failing")
    for s in "${services[@]}"; do
      local c
      c=$(cid "$s")
      [ -n "$c" ] || continue
      log "---- logs of $s (last 80 lines) ----" >&2
      podman logs --tail 80 "$c" >&2 2>&1
    done
  fi
  local t
  t=$(date +%s.%N)
  timeout 120 "${DC[@]}" down -v --remove-orphans --timeout 20 >/dev/null 2>&1 ||
    log "WARNING: docker-compose down failed or timed out"
  # Whatever down left behind of this project (nothing else): containers, network, volumes.
  local left
  left=$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT")
  [ -z "$left" ] || podman rm -f -v $left >/dev/null 2>&1
  podman network rm "${PROJECT}_backend" >/dev/null 2>&1
  podman volume rm "${PROJECT}_postgres-data" >/dev/null 2>&1
  left=$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT")
  [ -z "$left" ] || { log "WARNING: containers left: $left"; rc=1; }
  TIMINGS+=("teardown (down -v): $(since "$t") s")
  rm -rf "$work"
  log "timings:"
  for line in "${TIMINGS[@]}"; do log "  $line"; done
  log "total $(since "$t0") s, exit $rc"
  exit "$rc"
}

# --- prerequisites --------------------------------------------------------------------
bash .ci/provision-podman.sh >/dev/null
t=$(date +%s.%N)
bash .ci/build-images.sh >"$work"/images.log 2>&1 ||
  { tail -n 40 "$work"/images.log >&2; fail "building the stand-in base images failed"; }
grep -E '\] +(docker|localhost)' "$work"/images.log || true
TIMINGS+=("base images (build-images.sh): $(since "$t") s")

jar=$(ls target/user-profile-service-*.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ -n "$(find pom.xml src/main -newer "$jar" -type f | head -n 1)" ]; then
  log "building the jar"
  t=$(date +%s.%N)
  ./mvnw -B -ntp -q -DskipTests package
  # package leaves an unchanged jar's time alone: mark it as checked against the sources
  touch target/user-profile-service-*.jar
  TIMINGS+=("jar (./mvnw package): $(since "$t") s")
  jar=$(ls target/user-profile-service-*.jar | head -n 1)
else
  log "jar up to date: $jar"
fi

# A run that was killed before its trap ran.
if [ -n "$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ]; then
  log "removing leftovers of an earlier run"
  timeout 120 "${DC[@]}" down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
fi

for port in 8080 8081; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
    ss -ltnp "sport = :$port" 2>/dev/null || true
    fail "host port $port is in use; the stack publishes the service there"
  fi
done

token=$(bash compose/dev-token.sh)
trap teardown EXIT

# --- build and start ------------------------------------------------------------------
# docker-compose names it <project>_app; podman qualifies the name with docker.io/library
image="docker.io/library/${PROJECT}_app:latest"
old_image=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
t=$(date +%s.%N)
failing=app
timeout 600 "${DC[@]}" build app >"$work"/build.log 2>&1 ||
  { tail -n 40 "$work"/build.log >&2; fail "image build failed"; }
TIMINGS+=("app image build: $(since "$t") s")
new_image=$(podman image inspect --format '{{.Id}}' "$image")
log "app image ${new_image:0:12}: $(podman image inspect --format '{{.Size}}' "$image" | numfmt --to=si)"
# The image this build replaced, unless something still uses or names it, and the
# untagged images of the Dockerfile's extraction stage (about 150 MB per jar otherwise
# left behind on every CI run; a later build reuses the runtime layers all the same).
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ] &&
  [ -z "$(podman image inspect --format '{{join .RepoTags ""}}' "$old_image" 2>/dev/null)" ]; then
  podman rmi "$old_image" >/dev/null 2>&1 || true
fi
podman image prune -f --filter label=dev.userprofiles.build-stage=layers >/dev/null 2>&1 || true

failing=""
t_up=$(date +%s.%N)
timeout 300 "${DC[@]}" up -d >"$work"/up.log 2>&1 ||
  { tail -n 40 "$work"/up.log >&2; fail "docker-compose up failed"; }
TIMINGS+=("docker-compose up -d: $(since "$t_up") s")

# --- wait for health --------------------------------------------------------------------
# Runs the service's own healthcheck command (from docker-compose.yml) in its container.
# Not `podman healthcheck run`: podman 4.3 reports a check that fails during start_period
# as healthy (seen here: the app "healthy" 3 s after start, nothing listening yet).
# The JSON array is split by python3, which docker-compose itself runs on.
healthy() {
  local c
  local -a test
  c=$(cid "$1")
  [ -n "$c" ] || return 1
  mapfile -d '' test < <(podman inspect --format '{{json .Config.Healthcheck.Test}}' "$c" |
    python3 -c 'import json, sys; sys.stdout.write("".join(a + "\0" for a in json.load(sys.stdin)))')
  case "${test[0]:-}" in
    CMD-SHELL) timeout 10 podman exec "$c" sh -c "${test[1]}" ;;
    CMD) timeout 10 podman exec "$c" "${test[@]:1}" ;;
    *) return 1 ;;
  esac >/dev/null 2>&1
}

deadline=$(($(date +%s) + HEALTH_SECONDS))
pending=(postgres redis-1 redis-2 redis-3 redis-4 redis-5 redis-6 app)
init_done=0
while :; do
  still=()
  for s in "${pending[@]}"; do
    if healthy "$s"; then
      log "$s healthy after $(since "$t_up") s"
    else
      still+=("$s")
    fi
  done
  pending=("${still[@]}")
  if [ "$init_done" = 0 ]; then
    c=$(cid redis-cluster-init)
    state=$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$c" 2>/dev/null || echo "missing -")
    case "$state" in
      "exited 0")
        init_done=1
        log "redis-cluster-init completed after $(since "$t_up") s"
        ;;
      exited*)
        failing=redis-cluster-init
        fail "redis-cluster-init exited with code ${state#exited }"
        ;;
    esac
  fi
  [ "${#pending[@]}" -gt 0 ] || [ "$init_done" = 0 ] || break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    failing=${pending[0]:-redis-cluster-init}
    fail "not healthy within ${HEALTH_SECONDS}s: ${pending[*]:-} $([ "$init_done" = 1 ] || echo redis-cluster-init)"
  fi
  sleep 1
done
TIMINGS+=("up until every service healthy: $(since "$t_up") s")
started=$(podman logs "$(cid app)" 2>&1 | grep -o 'Started [A-Za-z]* in [0-9.]* seconds' | tail -n 1 || true)
TIMINGS+=("app: ${started:-no 'Started' line}; restarts: $(podman inspect --format '{{.RestartCount}}' "$(cid app)")")

# --- checks -----------------------------------------------------------------------------
failing=app
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:8080/users/1 || true)
[ "$status" = 401 ] || fail "GET /users/1 without a token answered $status, expected 401"
log "GET /users/1 without a token -> 401"
auth=(-H "Authorization: Bearer $token")
t=$(date +%s.%N)
status=$(curl -s "${auth[@]}" -o "$work"/body.json -w '%{http_code}' --max-time 10 http://127.0.0.1:8080/users/1 || true)
TIMINGS+=("GET /users/1 (first, cache miss): $(since "$t") s")
[ "$status" = 200 ] || fail "GET /users/1 answered $status, expected 200"
grep -q '"id":1,' "$work"/body.json || fail "GET /users/1 body is not profile 1: $(cat "$work"/body.json)"
log "GET /users/1 -> 200 $(cat "$work"/body.json)"
t=$(date +%s.%N)
status=$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:8080/users/1 || true)
TIMINGS+=("GET /users/1 (second, cached): $(since "$t") s")
[ "$status" = 200 ] || fail "second GET /users/1 answered $status"

# Change data capture: an UPDATE made with psql behind the service's back reaches the
# cached profile (the app follows the slot as profiles_cdc, over a replication connection).
# First wait until the app has applied the demo seeding's 10,000 inserts (about 1,000
# invalidations a second, one row at a time): the UPDATE would queue behind them.
failing=app
t=$(date +%s.%N)
caught_up=""
for _ in $(seq 1 120); do
  applied=$(curl -s --max-time 5 http://127.0.0.1:8081/actuator/metrics/cdc.changes |
    python3 -c 'import json, sys; print(int(json.load(sys.stdin)["measurements"][0]["value"]))' 2>/dev/null || echo 0)
  if [ "$applied" -ge 10000 ]; then
    caught_up=1
    break
  fi
  sleep 0.5
done
[ -n "$caught_up" ] || fail "the app's change capture applied $applied of the 10,000 seeded rows in 60 s"
TIMINGS+=("change capture applied the 10,000 seeded rows: $(since "$t") s after healthy")
podman exec "$(cid postgres)" psql -U postgres -d profiles -qc \
  "update user_profiles set display_name = 'Changed with psql' where id = 1" >/dev/null ||
  fail "the psql UPDATE failed"
t=$(date +%s.%N)
seen=""
for _ in $(seq 1 300); do
  if curl -s "${auth[@]}" --max-time 5 http://127.0.0.1:8080/users/1 | grep -q '"displayName":"Changed with psql"'; then
    seen=1
    break
  fi
  sleep 0.1
done
podman logs "$(cid app)" 2>&1 | grep -E 'ChangeCapture' | tail -n 5 | cut -c1-300 || true
[ -n "$seen" ] || fail "GET /users/1 still serves the cached profile 30 s after a psql UPDATE (change data capture)"
TIMINGS+=("psql UPDATE served by GET /users/1 after: $(since "$t") s")
log "psql UPDATE of profile 1 -> served after $(since "$t") s"

failing=redis-1
redis1=$(cid redis-1)
rcli() { podman exec "$redis1" redis-cli --user admin --no-auth-warning "$@" | tr -d '\r'; }
for n in 1 2 3 4 5 6; do
  state=$(podman exec "$(cid "redis-$n")" redis-cli --user admin --no-auth-warning cluster info | tr -d '\r' | grep '^cluster_state:' || true)
  [ "$state" = "cluster_state:ok" ] || { failing="redis-$n"; fail "redis-$n reports '$state'"; }
done
info=$(rcli cluster info)
grep -qx 'cluster_known_nodes:6' <<<"$info" || fail "cluster does not know 6 nodes: $info"
grep -qx 'cluster_size:3' <<<"$info" || fail "cluster has not 3 masters with slots: $info"
nodes=$(rcli cluster nodes)
log "cluster nodes:"
sed 's/^/    /' <<<"$nodes"
masters=$(awk '$3 ~ /master/ && $3 !~ /fail/ && $8 == "connected"' <<<"$nodes" | wc -l)
replicas=$(awk '$3 ~ /slave/ && $3 !~ /fail/ && $4 != "-" && $8 == "connected"' <<<"$nodes" | wc -l)
[ "$masters" = 3 ] && [ "$replicas" = 3 ] || fail "expected 3 masters and 3 replicas, found $masters and $replicas"
# every master has exactly one replica
per_master=$(awk '$3 ~ /slave/ { print $4 }' <<<"$nodes" | sort | uniq -c | awk '{ print $1 }' | sort -u | tr '\n' ' ')
[ "$per_master" = "1 " ] || fail "replicas are not one per master: $per_master"
log "cluster: 6 nodes, 3 masters, 3 replicas (one each), cluster_state:ok on every node"

# The app reached the cluster through the announced hostnames: profile 1 is cached.
cached=""
for _ in $(seq 1 10); do
  cached=$(rcli -c exists 'profiles:users::1')
  [ "$cached" = 1 ] && break
  sleep 0.5
done
[ "$cached" = 1 ] || { failing=app; fail "profiles:users::1 is not in the cluster after the GET"; }
log "profiles:users::1 is cached in the cluster"
failing=app
health=$(curl -s --max-time 10 http://127.0.0.1:8081/actuator/health)
components=$(python3 -c 'import json, sys
c = json.load(sys.stdin).get("components", {})
print(" ".join(n + "=" + c.get(n, {}).get("status", "?") for n in ("db", "redis")))' <<<"$health" || true)
[ "$components" = "db=UP redis=UP" ] || fail "actuator health: '$components', expected db=UP redis=UP: $health"
log "actuator health (management port 8081): db UP, redis UP"
status=$(curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:8080/actuator/health || true)
[ "$status" = 404 ] || fail "GET :8080/actuator/health answered $status, expected 404 (Actuator only on 8081)"
log "no Actuator on the API port (404)"
failing=""
log "OK"
