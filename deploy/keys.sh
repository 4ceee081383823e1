#!/usr/bin/env bash
# Generate the server's key and one key per edge, and the server's allow-list:
#   deploy/keys.sh SECRETS_DIR EDGE_NAME...
# SECRETS_DIR/server/   server.key (secret, server only) + server.key_public (to every edge)
# SECRETS_DIR/NAME/     NAME.key + NAME.sign (secrets, that edge only) + public halves
# SECRETS_DIR/allowed/  every edge's NAME.key_public + NAME.sign_public (server's allow-list)
# Existing keys are never overwritten.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 SECRETS_DIR EDGE_NAME..." >&2; exit 2; }
FALLWATCH=${FALLWATCH:-fallwatch}
out=$1; shift
umask 077
mkdir -p "$out/server" "$out/allowed"
[ -e "$out/server/server.key" ] || "$FALLWATCH" keys gen server --dir "$out/server" >/dev/null
for name in "$@"; do
  [ -e "$out/$name/$name.key" ] || "$FALLWATCH" keys gen "$name" --dir "$out/$name" >/dev/null
  cp "$out/$name/$name.key_public" "$out/$name/$name.sign_public" "$out/allowed/"
done
echo "keys in $out: give $out/server/server.key_public and $out/NAME/ to edge NAME; the server reads $out/allowed/"
