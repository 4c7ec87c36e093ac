#!/usr/bin/env bash
# Contract and variation tests generated from the live OpenAPI document: Portman turns
# /v3/api-docs into a Postman collection (status codes, content types and response
# schemas as documented, plus fuzzed bodies and query parameters and hand-named
# variations, in .ci/portman/portman-config.json) and runs it with newman.
#   usage: .ci/api-contract.sh <base-url> <token-file>
# The token needs the admin scope; the variations change profile 1 of the demo data
# (the PUTs are all refused, so it stays as it was). Portman and newman come from npm,
# installed once into ~/.cache; the collection is written to target/portman/.
set -euo pipefail
base=${1:?base URL, e.g. http://localhost:8080}
base=${base%/}
token=$(cat "${2:?file holding a bearer token}")
cd "$(dirname "$0")/.."

packages="@apideck/portman@1.33.0 newman@6.2.2 tslib@2.8.1"
tools=${XDG_CACHE_HOME:-$HOME/.cache}/user-profile-service/portman
if [ "$(cat "$tools/installed" 2>/dev/null)" != "$packages" ]; then
  command -v npm >/dev/null || { echo "npm is not on the PATH: the API contract tests need Node.js 18+" >&2; exit 1; }
  mkdir -p "$tools"
  # tslib: Portman 1.33.0 needs it at run time without declaring it.
  # shellcheck disable=SC2086
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error $packages
  echo "$packages" >"$tools/installed"
fi

repo=$(pwd)
mkdir -p target/portman
# Portman keeps its working files in ./tmp: run it inside target/.
cd target/portman
PORTMAN_BEARER_TOKEN=$token "$tools/node_modules/.bin/portman" \
  --url "$base/v3/api-docs" --baseUrl "$base" \
  --portmanConfigFile "$repo/.ci/portman/portman-config.json" \
  --output collection.json --runNewman \
  --newmanOptionsFile "$repo/.ci/portman/newman-options.json"
