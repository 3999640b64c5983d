#!/bin/sh
# The first account from RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS (as the official image
# accepts them), written where rabbitmq-server reads its configuration.
set -eu
conf=/etc/rabbitmq/conf.d/10-default-user.conf
if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then
  printf 'default_user = %s\ndefault_pass = %s\n' \
    "$RABBITMQ_DEFAULT_USER" "${RABBITMQ_DEFAULT_PASS:?}" >"$conf"
fi
exec "$@"
