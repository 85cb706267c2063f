#!/usr/bin/env bash
# Formatting, clippy (warnings are errors) and the UI's type checks. Runs all of them and
# exits non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=()
echo "==> cargo fmt --check"
cargo fmt --all -- --check || failed+=(fmt)
echo "==> cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings || failed+=(clippy)
if [ -f ui/package.json ] && node -e 'process.exit(require("./ui/package.json").scripts?.check ? 0 : 1)'; then
  echo "==> npm run check (ui)"
  npm run check --prefix ui || failed+=(ui-check)
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "lint: ok"
