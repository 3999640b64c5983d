#!/usr/bin/env bash
# One database and one login role per service (docs/services.md: each service owns its data).
# The postgres image runs this once, on an empty data directory; to change a password later use
# ALTER ROLE (docs/operations.md, "Rotating secrets"), since a new secret file does not re-run it.
#
# Passwords come from the files <SERVICE>_DB_PASSWORD_FILE names (compose secrets), or from
# <SERVICE>_DB_PASSWORD, and reach SQL as psql variables (:'pw'), so a quote in a password cannot
# break or inject into the statement.
set -euo pipefail

for svc in intake review documents notify; do
  pw_var="${svc^^}_DB_PASSWORD"
  file_var="${pw_var}_FILE"
  if [ -n "${!file_var:-}" ]; then
    pw="$(cat "${!file_var}")"
  else
    pw="${!pw_var:?set ${pw_var}_FILE (a compose secret) or ${pw_var}}"
  fi
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v svc="$svc" -v pw="$pw" <<'SQL'
CREATE ROLE :"svc" LOGIN PASSWORD :'pw';
CREATE DATABASE :"svc" OWNER :"svc";
-- No service may connect to another's database (only the owner and superusers can).
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
SQL
done
