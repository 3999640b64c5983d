#!/bin/sh
# with-ca COMMAND...: run one build step trusting, beside the base image's CAs, the extra CA
# certificates of a TLS-intercepting proxy given as the build secret `ca_bundle` (PEM). Without
# the secret it only runs the command. The bundle is written to /tmp for this one step and
# removed after it, so it never lands in a layer. The Dockerfile bind-mounts this file.
set -eu
if [ -s /run/secrets/ca_bundle ]; then
  bundle=/tmp/with-ca.pem
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    cat /etc/ssl/certs/ca-certificates.crt /run/secrets/ca_bundle >"$bundle"
  else
    cat /run/secrets/ca_bundle >"$bundle"
  fi
  export PIP_CERT="$bundle" SSL_CERT_FILE="$bundle" REQUESTS_CA_BUNDLE="$bundle"
  mkdir -p /etc/apt/apt.conf.d
  echo "Acquire::https::CAInfo \"$bundle\";" >/etc/apt/apt.conf.d/99with-ca
  trap 'rm -f /etc/apt/apt.conf.d/99with-ca "$bundle"' EXIT
fi
"$@"
