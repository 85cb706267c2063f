#!/usr/bin/env bash
# Everything `make run` / `make test` needs before building, idempotent and quick when done:
# system packages, a Rust toolchain check, the UI's npm packages, and (test mode) tauri-driver
# for the WebDriver e2e tests. Usage: scripts/setup.sh [run|test]
set -euo pipefail
mode=${1:-test}
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh "$mode"

# Rust: the machine's rustup toolchain (the Makefile puts ~/.cargo/bin on PATH).
if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found. Install Rust with rustup (https://rustup.rs), then run" \
    "'source ~/.cargo/env' or open a new shell, and try again." >&2
  exit 1
fi

# The UI (ui/ may not exist yet in early checkouts).
if [ -f ui/package.json ]; then
  want=$(node -p 'require("./ui/package.json").engines?.node ?? ""' 2>/dev/null || true)
  have=$(node -p 'process.versions.node' 2>/dev/null || echo none)
  if [ -n "$want" ] && ! node -e '
      const [w, h] = process.argv.slice(1).map(v => v.replace(/^[^0-9]*/, "").split(".").map(Number));
      for (let i = 0; i < 3; i++) { if ((h[i] || 0) !== (w[i] || 0)) process.exit((h[i] || 0) > (w[i] || 0) ? 0 : 1); }
    ' "$want" "$have" 2>/dev/null; then
    echo "setup: the UI needs Node.js $want, this machine has $have. Install a newer Node.js" \
      "(Debian 12's nodejs package is 18.x) and try again." >&2
    exit 1
  fi
  if [ -f ui/package-lock.json ]; then
    stamp=ui/node_modules/.package-lock.json # written by npm ci/install
    if [ -f "$stamp" ] && [ "$stamp" -nt ui/package-lock.json ] && [ "$stamp" -nt ui/package.json ]; then
      echo "setup: ui/node_modules up to date"
    else
      npm ci --prefix ui --no-audit --no-fund
    fi
  fi
fi

# tauri-driver (WebDriver for the e2e tests), into the git-ignored .tools/.
if [ "$mode" = test ] && [ ! -x .tools/bin/tauri-driver ]; then
  echo "setup: installing tauri-driver 2.1.0 into .tools/ (about a minute)"
  cargo install tauri-driver --version 2.1.0 --locked --root .tools --quiet
fi
