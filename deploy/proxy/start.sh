#!/bin/sh
# The reverse proxy's start (docs/operations.md, "TLS and the reverse proxy"): writes nginx's
# server blocks from titles.conf.template with this deployment's values, tests them, runs nginx.
# Works on the official nginx image and on Debian's nginx alike (both read conf.d/*.conf).
#
#   MAX_UPLOAD_BYTES  intake's largest attachment: requests up to it (plus room for headers and
#                     form fields) reach intake, which refuses a larger file itself (FILE_TOO_LARGE);
#                     anything far larger nginx refuses with the same code before reading it
#   HTTPS_PORT        the published HTTPS port, for the HTTP -> HTTPS redirect (443: none shown)
#   S3_HTTPS_PORT     the published port of the object store (presigned uploads)
set -eu
: "${MAX_UPLOAD_BYTES:?}" "${HTTPS_PORT:=443}" "${S3_HTTPS_PORT:=9443}"
case "$MAX_UPLOAD_BYTES" in *[!0-9]*|'') echo "MAX_UPLOAD_BYTES must be a number of bytes" >&2; exit 78 ;; esac
# 64 KiB over the file: a multipart form's fields and boundaries (a presigned POST) fit.
body_limit=$((MAX_UPLOAD_BYTES + 65536))
limit_mb=$((MAX_UPLOAD_BYTES / 1048576))
if [ "$HTTPS_PORT" = 443 ]; then port_suffix=""; else port_suffix=":$HTTPS_PORT"; fi
for f in /run/secrets/tls_certificate /run/secrets/tls_key; do
  [ -s "$f" ] || { echo "missing $f: put the certificate and key in the secrets directory" >&2; exit 78; }
done
sed -e "s/@BODY_LIMIT@/$body_limit/g" -e "s/@LIMIT_MB@/$limit_mb/g" \
    -e "s/@PORT_SUFFIX@/$port_suffix/g" -e "s/@S3_HTTPS_PORT@/$S3_HTTPS_PORT/g" \
    /deploy/proxy/titles.conf.template >/etc/nginx/conf.d/default.conf
nginx -t -q
exec nginx -g 'daemon off;'
