#!/bin/sh
# Starts a Redis node with the users of redis-users.acl, so that no password is ever on a
# command line (ps, /proc/<pid>/cmdline). Renders, into $REDIS_CONFIG_DIR (default /data):
#   users.acl   the ACL file, each {{user}} replaced by the SHA-256 of its password
#   auth.conf   aclfile, and the credentials replicas give their master
# then runs: redis-server auth.conf "$@".
#
# Environment (from a Secret): REDIS_PROFILES_PASSWORD, REDIS_REPLICATION_PASSWORD,
# REDIS_ADMIN_PASSWORD. Passwords of letters, digits, '-' and '_' only: the replication one
# goes into a config file line.
set -eu
dir=${REDIS_CONFIG_DIR:-/data}
template=${REDIS_ACL_TEMPLATE:-$(dirname "$0")/redis-users.acl}

digest() {
  case $2 in
    '' | *[!A-Za-z0-9_-]*) echo "redis-node.sh: $1 is empty or has characters other than [A-Za-z0-9_-]" >&2; exit 2 ;;
  esac
  printf %s "$2" | sha256sum | cut -d ' ' -f 1
}

profiles=$(digest REDIS_PROFILES_PASSWORD "${REDIS_PROFILES_PASSWORD:-}")
replication=$(digest REDIS_REPLICATION_PASSWORD "${REDIS_REPLICATION_PASSWORD:-}")
admin=$(digest REDIS_ADMIN_PASSWORD "${REDIS_ADMIN_PASSWORD:-}")

[ -r "$template" ] || { echo "redis-node.sh: cannot read $template" >&2; exit 2; }
umask 077
grep -v -e '^#' -e '^[[:space:]]*$' "$template" \
  | sed -e "s/{{profiles}}/$profiles/" -e "s/{{replication}}/$replication/" -e "s/{{admin}}/$admin/" \
  > "$dir/users.acl"
# Without this line Redis would create the default user with every right and no password.
grep -qx 'user default off' "$dir/users.acl" || { echo "redis-node.sh: $dir/users.acl lacks 'user default off'" >&2; exit 2; }
cat > "$dir/auth.conf" <<CONF
aclfile $dir/users.acl
masteruser replication
masterauth $REDIS_REPLICATION_PASSWORD
CONF
exec redis-server "$dir/auth.conf" "$@"
