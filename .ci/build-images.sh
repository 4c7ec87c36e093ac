#!/usr/bin/env bash
# Build local stand-ins for registry images from Debian trixie packages
# (no container registry is reachable here). Idempotent: an image is built
# only when it is missing, or when its build context (.ci/images/<name>) or
# the base image changed since it was built (tracked by the label ci.context-sha256).
#
#   localhost/debian:trixie                      debootstrap --variant=minbase + podman import
#   docker.io/library/redis:8     (+ redis:8)     .ci/images/redis/Containerfile
#   docker.io/library/postgres:17 (+ postgres:17) .ci/images/postgres/Containerfile
#   docker.io/library/eclipse-temurin:25-jre      .ci/images/temurin-jre/Containerfile
#     (+ eclipse-temurin:25-jre)                  (Java 25 JRE for the app's Dockerfile)
#
# Needs rootful podman + debootstrap (.ci/provision-podman.sh).
# Env: FORCE=1 rebuilds everything; DEBIAN_MIRROR overrides the mirror that is
# otherwise read from the host's apt sources.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGES_DIR="$SCRIPT_DIR/images"
SUITE=trixie
BASE_IMAGE="localhost/debian:$SUITE"
FORCE="${FORCE:-0}"

log() { printf '[build-images] %s\n' "$*"; }
die() { printf '[build-images] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

[ "$(id -u)" = 0 ] || die "must run as root (rootful podman, debootstrap)"
command -v podman >/dev/null || die "podman missing: run .ci/provision-podman.sh first"

T_START=$(now)
SUMMARY=()

# --- mirror detection (from the host's apt sources, no hard-coded host) -----
HOST_CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

# prints the first URI of an enabled "deb" source whose suites contain $1
find_source_uri() {
  local want=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v want="$want" '
      /^[ \t]*deb[ \t]/ {
        i = 2
        if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
        if ($(i + 1) == want) { print $i; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$want" '
      function check() {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /^[ \t]*no/ && (" " suites " ") ~ ("[ \t]" want "[ \t]")) {
          split(uris, u, /[ \t]+/); print u[1]; found = 1
        }
        types = ""; suites = ""; uris = ""; enabled = ""
      }
      /^[ \t]*$/ { if (!found) check(); next }
      /^#/ { next }
      tolower($1) == "types:"   { sub(/^[^:]*:[ \t]*/, ""); types = $0; next }
      tolower($1) == "suites:"  { sub(/^[^:]*:[ \t]*/, ""); suites = $0; next }
      tolower($1) == "uris:"    { sub(/^[^:]*:[ \t]*/, ""); uris = $0; next }
      tolower($1) == "enabled:" { sub(/^[^:]*:[ \t]*/, ""); enabled = tolower($0); next }
      END { if (!found) check() }' "$f"
  done
}

MIRROR="${DEBIAN_MIRROR:-$(find_source_uri "$HOST_CODENAME" | head -n1)}"
[ -n "$MIRROR" ] || die "no Debian mirror found for suite '$HOST_CODENAME' in /etc/apt/sources.list*; set DEBIAN_MIRROR"
MIRROR="${MIRROR%/}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(find_source_uri "$HOST_CODENAME-security" | head -n1)}"
SECURITY_MIRROR="${SECURITY_MIRROR%/}"
log "mirror: $MIRROR (security: ${SECURITY_MIRROR:-none})"

# --- helpers -----------------------------------------------------------------
# hash of the build context plus the base image ID: a rebuilt base or an
# edited Containerfile/entrypoint makes the derived image stale
context_hash() {
  {
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    podman image inspect --format '{{.Id}}' "$BASE_IMAGE"
  } | sha256sum | cut -c1-64
}

image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# removes a replaced image once nothing refers to it by name any more
drop_if_untagged() {
  local old=$1 new=$2
  [ -n "$old" ] && [ "$old" != "$new" ] || return 0
  if [ -z "$(podman image inspect --format '{{join .RepoTags ""}}' "$old" 2>/dev/null)" ]; then
    podman rmi "$old" >/dev/null 2>&1 && log "removed replaced image ${old:0:12}" ||
      log "replaced image ${old:0:12} still in use, left in place"
  fi
}

image_label() {
  podman image inspect --format "{{ index .Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# --- base image ----------------------------------------------------------------
build_base() {
  local t rootfs old
  if [ "$FORCE" != 1 ] && podman image exists "$BASE_IMAGE"; then
    log "$BASE_IMAGE exists, skipping"
    SUMMARY+=("$BASE_IMAGE: present")
    return
  fi
  command -v debootstrap >/dev/null || die "debootstrap missing: run .ci/provision-podman.sh first"
  t=$(now)
  rootfs=$(mktemp -d /var/tmp/debootstrap-$SUITE.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$rootfs'" EXIT
  log "debootstrap --variant=minbase $SUITE $rootfs $MIRROR"
  if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1; then
    tail -n 30 "$rootfs.log" >&2
    tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2 2>/dev/null || true
    rm -f "$rootfs.log"
    die "debootstrap failed"
  fi
  rm -f "$rootfs.log"
  log "debootstrap done in $(elapsed "$t") s"

  # apt sources for trixie, same mirror as the host
  rm -f "$rootfs/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$MIRROR" "$SUITE" "$SUITE"
    if [ -n "$SECURITY_MIRROR" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$SECURITY_MIRROR" "$SUITE"
    fi
  } >"$rootfs/etc/apt/sources.list.d/debian.sources"
  [ -f "$rootfs/usr/share/keyrings/debian-archive-keyring.gpg" ] ||
    sed -i 's/debian-archive-keyring\.gpg/debian-archive-keyring.pgp/' "$rootfs/etc/apt/sources.list.d/debian.sources"

  # apt/dpkg settings for lean container layers (as in Debian's official images)
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
Acquire::Languages "none";
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes" <<'EOF'
Acquire::GzipIndexes "true";
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-no-recommends" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
  # the host's mirror needs these (it serves Release files past Valid-Until)
  apt-config dump | grep -E '^Acquire::Check-(Valid-Until|Date) ' >"$rootfs/etc/apt/apt.conf.d/99host-mirror" || true
  [ -s "$rootfs/etc/apt/apt.conf.d/99host-mirror" ] || rm -f "$rootfs/etc/apt/apt.conf.d/99host-mirror"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  # never start services from maintainer scripts inside image builds
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  # trim what the bootstrap left behind
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$rootfs/usr/share/man/"* "$rootfs/usr/share/info/"* \
    "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb \
    "$rootfs/var/log/"*.log "$rootfs/var/log/apt/"* "$rootfs/debootstrap"
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  : >"$rootfs/etc/hostname"
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/machine-id" 2>/dev/null || true

  local ti
  old=$(image_id "$BASE_IMAGE")
  ti=$(now)
  tar --numeric-owner --xattrs --acls -C "$rootfs" -c . |
    podman import --quiet \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      - "$BASE_IMAGE" >/dev/null
  log "podman import done in $(elapsed "$ti") s"
  rm -rf "$rootfs"
  trap - EXIT
  drop_if_untagged "$old" "$(image_id "$BASE_IMAGE")"
  log "$BASE_IMAGE built in $(elapsed "$t") s ($(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" | numfmt --to=si))"
  SUMMARY+=("$BASE_IMAGE: built in $(elapsed "$t") s")
}

# build_image NAME FULL_TAG SHORT_TAG
build_image() {
  local name=$1 tag=$2 short=$3 ctx="$IMAGES_DIR/$1" hash have t
  [ -f "$ctx/Containerfile" ] || die "missing $ctx/Containerfile"
  hash=$(context_hash "$ctx")
  if [ "$FORCE" != 1 ] && podman image exists "$tag"; then
    have=$(image_label "$tag" ci.context-sha256)
    if [ "$have" = "$hash" ]; then
      if ! podman image exists "$short"; then
        podman tag "$tag" "$short"
        log "$tag exists, tagged $short"
      else
        log "$tag exists and is up to date, skipping"
      fi
      SUMMARY+=("$tag: present")
      return
    fi
    log "$tag exists but $ctx changed (label ${have:-none} != $hash), rebuilding"
  fi
  local old
  old=$(image_id "$tag")
  t=$(now)
  log "building $tag from $ctx"
  if ! podman build --pull=never --format docker \
      --label ci.context-sha256="$hash" \
      --label ci.built-from="debian:$SUITE packages" \
      -t "$tag" -f "$ctx/Containerfile" "$ctx" >"/var/tmp/build-$name.log" 2>&1; then
    tail -n 40 "/var/tmp/build-$name.log" >&2
    die "podman build of $tag failed (full log: /var/tmp/build-$name.log)"
  fi
  podman tag "$tag" "$short"
  drop_if_untagged "$old" "$(image_id "$tag")"
  log "$tag built in $(elapsed "$t") s ($(podman image inspect --format '{{.Size}}' "$tag" | numfmt --to=si)), log: /var/tmp/build-$name.log"
  SUMMARY+=("$tag: built in $(elapsed "$t") s")
}

build_base
build_image redis docker.io/library/redis:8 redis:8
build_image postgres docker.io/library/postgres:17 postgres:17
build_image temurin-jre docker.io/library/eclipse-temurin:25-jre eclipse-temurin:25-jre

log "summary:"
for s in "${SUMMARY[@]}"; do log "  $s"; done
log "total $(elapsed "$T_START") s"
