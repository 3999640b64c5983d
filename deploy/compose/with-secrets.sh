#!/bin/sh
# with-secrets.sh COMMAND...: for every NAME_FILE variable (a compose secret under /run/secrets),
# export NAME with the file's content, then run COMMAND. For upstream images whose own
# entrypoint does not read *_FILE (RabbitMQ, MinIO); the titles image does this itself
# (plumbing/settings.py).
set -eu
for assignment in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*/\1/p'); do
  file="$(printenv "${assignment}_FILE")"
  [ -r "$file" ] || { echo "with-secrets: ${assignment}_FILE: cannot read $file" >&2; exit 78; }
  value="$(cat "$file")"
  export "$assignment=$value"
  unset "${assignment}_FILE"
done
exec "$@"
