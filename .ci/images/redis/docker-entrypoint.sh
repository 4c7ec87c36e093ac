#!/bin/sh
# Entrypoint modelled on the official redis image's docker-entrypoint.sh.
set -e

# first arg is `-f` or `--some-option`, or first arg is `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# allow the container to be started with `--user`
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	HOME=/data exec setpriv --reuid=redis --regid=redis --init-groups -- "$0" "$@"
fi

# set an appropriate umask (if one isn't set already)
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

# The official image compiles redis with protected-mode defaulting to "no";
# Debian's binary defaults to "yes", which refuses clients from other
# containers / published ports when no password is set. Pass
# "--protected-mode no" as the first option (after an optional config file),
# so options given by the user, which come later, still override it.
if [ "$1" = 'redis-server' ]; then
	shift
	case "${1-}" in
	-v | --version | -h | --help | --test-memory | --check-system | -)
		set -- redis-server "$@"
		;;
	-*)
		set -- redis-server --protected-mode no "$@"
		;;
	'')
		set -- redis-server --protected-mode no
		;;
	*)
		conf="$1"
		shift
		if grep -Eqi '^[[:space:]]*protected-mode[[:space:]]' "$conf" 2>/dev/null; then
			set -- redis-server "$conf" "$@"
		else
			set -- redis-server "$conf" --protected-mode no "$@"
		fi
		;;
	esac
fi

exec "$@"
