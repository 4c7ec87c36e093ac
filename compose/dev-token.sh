#!/usr/bin/env bash
# The compose stack's development issuer: makes an RSA key pair in compose/dev-jwt/ (once;
# the app mounts the public key) and prints an RS256 admin token valid for a day.
#
#   compose/dev-token.sh > target/compose-token
#   curl -H "Authorization: Bearer $(cat target/compose-token)" localhost:8080/users/1
#
# Any OIDC provider replaces it in production: set
# SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUERURI instead of the public key.
set -euo pipefail
dir="$(dirname "$0")/dev-jwt"
mkdir -p "$dir"
if [ ! -s "$dir/private.pem" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/private.pem" 2>/dev/null
  openssl pkey -in "$dir/private.pem" -pubout -out "$dir/public.pem"
  chmod 600 "$dir/private.pem"
  chmod 644 "$dir/public.pem"
fi
subject="${1:-dev-admin}"
scopes="${2:-profiles:read profiles:write profiles:admin}"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"sub":"%s","scope":"%s","iat":%d,"exp":%d}' "$subject" "$scopes" "$now" $((now + 86400)) | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$dir/private.pem" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
