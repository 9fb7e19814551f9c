#!/usr/bin/env bash
# The client's types from the service's OpenAPI document, printed by the built app (dist/openapi.cli.js).
#   scripts/types.sh           regenerate src/schema.ts
#   scripts/types.sh --check   fail, showing the difference, when src/schema.ts is not what a fresh
#                              generation gives (the document changed without a regeneration)
set -euo pipefail
cd "$(dirname "$0")/.."
cli=../../dist/openapi.cli.js
[ -f "$cli" ] || { echo "!! $cli is missing: run npm run build at the root first" >&2; exit 1; }
document=$(mktemp --suffix=.json)
fresh=$(mktemp --suffix=.ts)
trap 'rm -f "$document" "$fresh"' EXIT
# Through a file, not a pipe: the document is read whole however the CLI flushes its output.
node "$cli" > "$document"
npx --no-install openapi-typescript "$document" --output "$fresh" >/dev/null
if [ "${1:-}" = --check ]; then
  if ! diff -u --label 'src/schema.ts (committed)' --label 'src/schema.ts (fresh from the document)' src/schema.ts "$fresh"; then
    echo "!! clients/typescript/src/schema.ts is out of date with the OpenAPI document: run npm run client:generate" >&2
    exit 1
  fi
  echo "clients/typescript/src/schema.ts matches the OpenAPI document"
else
  cp "$fresh" src/schema.ts
  echo "clients/typescript/src/schema.ts regenerated"
fi
