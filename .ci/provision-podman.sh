#!/usr/bin/env bash
# Provision rootful podman (Debian packages) as a Docker-API stand-in for
# Testcontainers / docker-compose on a machine without a Docker engine.
#
# Idempotent: installs only missing packages, edits containers.conf only when a
# setting differs, starts the API service only when the socket does not answer.
# Fast path (everything already done) takes well under 5 s.
#
# Afterwards use:
#   export DOCKER_HOST=unix:///run/podman/podman.sock
#   export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost
set -euo pipefail

SOCK_DIR=/run/podman
SOCK_PATH="$SOCK_DIR/podman.sock"
SOCK_URL="unix://$SOCK_PATH"
PID_FILE="$SOCK_DIR/podman-service.pid"
LOG_FILE="${PODMAN_SERVICE_LOG:-/var/log/podman-service.log}"
CONF=/etc/containers/containers.conf
WAIT_SECONDS="${PODMAN_SERVICE_WAIT:-30}"

# netavark + aardvark-dns are only Recommends of podman's dependencies; without
# them (with --no-install-recommends) podman falls back to CNI without the
# dnsname plugin, and containers on a user network cannot resolve each other.
PACKAGES=(podman runc uidmap fuse-overlayfs slirp4netns catatonit netavark aardvark-dns iptables debootstrap docker-compose)

log() { printf '[provision-podman] %s\n' "$*"; }
die() { printf '[provision-podman] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (rootful podman)"

t0=$(date +%s.%N)

# --- 1. packages -------------------------------------------------------------
is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
for p in "${PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # --no-install-recommends: docker-compose would otherwise drag in docker.io
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  log "installed: ${missing[*]}"
else
  log "packages already installed: ${PACKAGES[*]}"
fi

# --- 2. containers.conf ------------------------------------------------------
# ensure_toml_key FILE SECTION KEY VALUE
# Sets KEY = VALUE inside [SECTION] (replacing an active KEY line there, or
# inserting it right after the section header; appends the section if absent).
# Returns 0 if the file was changed, 1 if it already had that exact setting.
ensure_toml_key() {
  local file=$1 section=$2 key=$3 value=$4 tmp
  touch "$file"
  tmp=$(mktemp "$file.XXXXXX")
  awk -v sec="$section" -v key="$key" -v val="$value" '
    /^[ \t]*\[[^]]+\][ \t]*$/ {
      hdr = $0; gsub(/^[ \t]*\[|\][ \t]*$/, "", hdr)
      in_sec = (hdr == sec)
      print
      # write our assignment right after the (first) matching header
      if (in_sec && !seen) { print key " = " val; seen = 1 }
      next
    }
    # drop any other active assignment of key inside that section
    in_sec && $0 ~ "^[ \t]*" key "[ \t]*=" { next }
    { print }
    END { if (!seen) { print ""; print "[" sec "]"; print key " = " val } }
  ' "$file" >"$tmp"
  if cmp -s "$file" "$tmp"; then
    rm -f "$tmp"
    return 1
  fi
  chmod 0644 "$tmp"
  mv -f "$tmp" "$file"
  return 0
}

# Reads the current active value of KEY in [SECTION] (empty if none).
toml_get() {
  local file=$1 section=$2 key=$3
  [ -f "$file" ] || return 0
  awk -v sec="$section" -v key="$key" '
    /^[ \t]*\[[^]]+\][ \t]*$/ { hdr = $0; gsub(/^[ \t]*\[|\][ \t]*$/, "", hdr); in_sec = (hdr == sec); next }
    in_sec && $0 ~ "^[ \t]*" key "[ \t]*=" { sub("^[ \t]*" key "[ \t]*=[ \t]*", ""); print; exit }
  ' "$file"
}

mkdir -p "$(dirname "$CONF")"
[ -f "$CONF" ] || printf '# Managed in part by .ci/provision-podman.sh\n' >"$CONF"
conf_changed=0
set_conf() {
  local section=$1 key=$2 value=$3
  if [ "$(toml_get "$CONF" "$section" "$key")" = "$value" ]; then
    return 0
  fi
  if ensure_toml_key "$CONF" "$section" "$key" "$value"; then
    log "containers.conf: [$section] $key = $value"
    conf_changed=1
  fi
}
# crun fails on this hybrid cgroup v1 setup; runc works.
set_conf engine runtime '"runc"'
# podman's default ulimits exceed the hard limits here (setrlimit: Operation not permitted).
set_conf containers default_ulimits '["nofile=20000:20000", "nproc=32768:32768"]'
# Pin the backend: podman otherwise persists whatever it found first in
# /var/lib/containers/storage/defaultNetworkBackend (CNI, if podman ran before
# netavark was installed). netavark+aardvark-dns give name resolution on networks.
set_conf network network_backend '"netavark"'
[ "$conf_changed" = 1 ] || log "containers.conf already configured ($CONF)"

# --- 3. API service ----------------------------------------------------------
sock_answers() {
  [ -S "$SOCK_PATH" ] &&
    [ "$(curl -s --max-time 2 --unix-socket "$SOCK_PATH" http://d/_ping 2>/dev/null || true)" = "OK" ]
}

# PID from our pid file if it still is a podman API service, else empty.
our_service_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 0
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -d "/proc/$pid" ] &&
     tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "podman system service"; then
    echo "$pid"
  fi
}

stop_our_service() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  rm -f "$PID_FILE"
}

if sock_answers && [ "$conf_changed" = 1 ]; then
  pid=$(our_service_pid)
  if [ -n "$pid" ]; then
    log "containers.conf changed: restarting our podman service (pid $pid)"
    stop_our_service "$pid"
  else
    log "WARNING: containers.conf changed but the service at $SOCK_URL was not started by this script; restart it yourself"
  fi
fi

if sock_answers; then
  pid_info=""
  [ -f "$PID_FILE" ] && pid_info=" (pid $(cat "$PID_FILE"))"
  log "podman service already answering at $SOCK_URL$pid_info"
else
  mkdir -p "$SOCK_DIR"
  # A previous service of ours that no longer answers: stop it by its recorded PID.
  old=$(our_service_pid)
  if [ -n "$old" ]; then
    log "our podman service pid $old does not answer; stopping it"
    stop_our_service "$old"
  fi
  rm -f "$PID_FILE"
  # A leftover socket file with nobody behind it blocks nothing, but remove it
  # so the wait loop below only sees the new service's socket.
  [ -S "$SOCK_PATH" ] && rm -f "$SOCK_PATH"
  mkdir -p "$(dirname "$LOG_FILE")"
  log "starting: podman system service --time=0 $SOCK_URL (log: $LOG_FILE)"
  # setsid: own session, so it is not tied to this shell / terminal;
  # nohup + redirections: no SIGHUP, no inherited stdio.
  setsid nohup podman system service --time=0 "$SOCK_URL" \
    </dev/null >>"$LOG_FILE" 2>&1 &
  svc_pid=$!
  echo "$svc_pid" >"$PID_FILE"
  deadline=$(( $(date +%s) + WAIT_SECONDS ))
  until sock_answers; do
    if ! [ -d "/proc/$svc_pid" ]; then
      tail -n 20 "$LOG_FILE" >&2 || true
      die "podman service (pid $svc_pid) exited before answering"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 20 "$LOG_FILE" >&2 || true
      die "podman service (pid $svc_pid) did not answer within ${WAIT_SECONDS}s"
    fi
    sleep 0.2
  done
  log "podman service answering at $SOCK_URL (pid $svc_pid, written to $PID_FILE)"
fi

t1=$(date +%s.%N)
log "$(podman --version); containers.conf: runtime=$(toml_get "$CONF" engine runtime) network_backend=$(toml_get "$CONF" network network_backend)"
log "done in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
log "use: export DOCKER_HOST=$SOCK_URL TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost"
