#!/usr/bin/env bash
# Runs the database grants one synthesized stack holds (EntraOnlySqlServer.
# grant_database_role): every <outdir>/stacks/<stack>/assets/*/*/<server>.<database>.grants.sql,
# with sqlcmd (go-sqlcmd) signed in by Entra ID as the current Azure CLI login
# (azure/login in the deploy workflow: the deploy identity, a member of the
# server's Entra admin group). The scripts are idempotent; nothing is a secret.
#
# usage: tools/sql/run-grants.sh <stack> [outdir, default cdktf.out]
# SQL_SERVER_DNS_SUFFIX: default database.windows.net (Azure public cloud).
set -euo pipefail

stack="${1:?usage: tools/sql/run-grants.sh <stack> [outdir]}"
outdir="${2:-cdktf.out}"
suffix="${SQL_SERVER_DNS_SUFFIX:-database.windows.net}"
folder="$outdir/stacks/$stack"
if [ ! -f "$folder/cdk.tf.json" ]; then
  echo "run-grants: $folder/cdk.tf.json not found; synthesize (or deploy) $stack first" >&2
  exit 2
fi

shopt -s nullglob
scripts=("$folder"/assets/*/*/*.grants.sql)
if [ "${#scripts[@]}" -eq 0 ]; then
  echo "run-grants: $stack has no database grants"
  exit 0
fi
for script in "${scripts[@]}"; do
  name="$(basename "$script" .grants.sql)"
  server="${name%%.*}"    # server names have no '.', database names neither
  database="${name#*.}"
  echo "run-grants: database users of $database on $server"
  sqlcmd -S "tcp:${server}.${suffix},1433" -d "$database" \
    --authentication-method ActiveDirectoryDefault -N true -b -i "$script"
done
