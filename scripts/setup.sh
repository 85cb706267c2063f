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
  node_ok() {
    local have
    have=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
    [ -z "$want" ] || node -e '
      const [w, h] = process.argv.slice(1).map(v => v.replace(/^[^0-9]*/, "").split(".").map(Number));
      for (let i = 0; i < 3; i++) { if ((h[i] || 0) !== (w[i] || 0)) process.exit((h[i] || 0) > (w[i] || 0) ? 0 : 1); }
    ' "$want" "$have" 2>/dev/null
  }
  if ! node_ok; then
    # Debian 12's nodejs is 18.x. The npm registry ships Node's own binary as node-linux-<arch>;
    # put it in the git-ignored .tools/bin (first on the Makefile's PATH). npm itself stays.
    case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch=unsupported ;; esac
    echo "setup: Node.js $(node -v 2>/dev/null || echo missing) is older than the UI needs ($want);" \
      "installing node-linux-$arch@^20.19 from the npm registry into .tools/bin"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack "node-linux-$arch@^20.19" --silent >/dev/null && tar xzf node-linux-*.tgz)
    mkdir -p .tools/bin && mv "$tmp/package/bin/node" .tools/bin/node && rm -rf "$tmp"
    export PATH="$PWD/.tools/bin:$PATH"
    node_ok || { echo "setup: still no Node.js $want; install it and try again." >&2; exit 1; }
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

# The e2e tests' own npm packages (webdriverio).
if [ "$mode" = test ] && [ -f tests/e2e/package-lock.json ]; then
  stamp=tests/e2e/node_modules/.package-lock.json
  if [ -f "$stamp" ] && [ "$stamp" -nt tests/e2e/package-lock.json ]; then
    echo "setup: tests/e2e/node_modules up to date"
  else
    npm ci --prefix tests/e2e --no-audit --no-fund
  fi
fi

# tauri-driver (WebDriver for the e2e tests), into the git-ignored .tools/.
if [ "$mode" = test ] && [ ! -x .tools/bin/tauri-driver ]; then
  echo "setup: installing tauri-driver 2.1.0 into .tools/ (about a minute)"
  cargo install tauri-driver --version 2.1.0 --locked --root .tools --quiet
fi
