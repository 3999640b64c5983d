#!/usr/bin/env bash
# Writes the secret files docker-compose.yml mounts (docs/operations.md, "Secrets"), each only if
# it is missing: re-running never replaces a key that data depends on.
#
#   deploy/make-secrets.sh [DIR]          DIR: SECRETS_DIR, default ./secrets
#   TLS_HOSTNAME=titles.example.gov.cn deploy/make-secrets.sh   also a self-signed certificate
#
# Random values: passwords and keys from openssl's generator. jwt_key must be the key the
# platform signs its tokens with: replace the generated one with the platform's (an HS256 secret,
# or its PEM public key with JWT_ALGORITHMS=RS256). smtp_password and sms_access_key_secret are
# written empty: fill them in if the relay or the SMS gateway needs them. The TLS certificate is
# self-signed, for a trial only: put the real certificate (full chain) and key in their place.
#
# The directory is readable by its owner only; the files are world-readable inside it because
# containers read them as their own users (postgres, rabbitmq, uid 10001).
set -euo pipefail
dir="${1:-${SECRETS_DIR:-./secrets}}"
umask 022
mkdir -p "$dir"
chmod 700 "$dir"

put() {  # put NAME COMMAND...: write the command's output to NAME unless it exists
  local name="$1"; shift
  if [ ! -e "$dir/$name" ]; then
    "$@" >"$dir/$name.tmp"
    mv "$dir/$name.tmp" "$dir/$name"
    echo "wrote $dir/$name"
  fi
}
hex() { openssl rand -hex "$1"; }

for name in rabbitmq_password postgres_password intake_db_password review_db_password \
            documents_db_password notify_db_password minio_root_password s3_secret_key; do
  put "$name" hex 24
done
put jwt_key hex 32
put pii_key openssl rand -base64 32
put document_secret hex 32
put smtp_password printf ''
put sms_access_key_secret printf ''

if [ ! -e "$dir/tls_certificate.pem" ] || [ ! -e "$dir/tls_key.pem" ]; then
  host="${TLS_HOSTNAME:-localhost}"
  openssl req -x509 -newkey rsa:2048 -nodes -days "${TLS_DAYS:-30}" -subj "/CN=$host" \
    -addext "subjectAltName=DNS:$host" \
    -keyout "$dir/tls_key.pem" -out "$dir/tls_certificate.pem" 2>/dev/null
  echo "wrote a self-signed certificate for $host (trial only) in $dir"
fi
chmod 644 "$dir"/*
