#!/usr/bin/env bash
# Runs every test after `make build`: lint, the UI's unit tests, the package test, the e2e
# tests (if present), and the Rust suite LAST, so that its summary line ends the output. Every stage runs even
# if an earlier one failed; the exit status is non-zero if any did.
#
# The Rust tests start their own throwaway keychains (crates/test-keychain); the CLI's
# clipboard tests need an X display, so they get a private Xvfb started here. Everything this
# script starts is stopped by PID on exit, and nothing it starts keeps stdout/stderr open.
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyward-test.XXXXXX")
xvfb_pid=""
cleanup() {
  if [ -n "$xvfb_pid" ]; then
    kill -TERM "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failed=()
has_npm_script() { # has_npm_script NAME: ui/package.json defines scripts.NAME
  [ -f ui/package.json ] &&
    node -e 'process.exit(require("./ui/package.json").scripts?.[process.argv[1]] ? 0 : 1)' "$1"
}

# 1. Lint.
bash scripts/lint.sh || failed+=(lint)

# 2. UI unit tests (vitest).
if has_npm_script test; then
  echo "==> npm test (ui)"
  npm test --prefix ui </dev/null || failed+=(ui-test)
fi

# 3. The packages (issue 7): builds the release app once (make package), installs the .deb on
# this machine, launches it, purges it (scripts/test-package.sh). KEYWARD_SKIP_PACKAGE=1 skips
# it (e.g. a machine where installing packages is not wanted).
e2e_env=()
if [ "${KEYWARD_SKIP_PACKAGE:-}" = 1 ]; then
  echo "==> package test skipped (KEYWARD_SKIP_PACKAGE=1)"
else
  echo "==> scripts/test-package.sh"
  if bash scripts/test-package.sh </dev/null; then
    # The e2e tests then drive the very binaries that went into the packages.
    e2e_env=(KEYWARD_APP="$PWD/target/release/keyward-desktop" KEYWARD_CLI="$PWD/target/release/keyward")
    # The memory and hardening tests (crates/keyward-cli/tests/memory.rs, tests/hardening.rs)
    # measure the shipped binaries.
    export KEYWARD_MEMORY_CLI="$PWD/target/release/keyward" KEYWARD_MEMORY_APP="$PWD/target/release/keyward-desktop"
  else
    failed+=(package)
  fi
fi

# 4. End-to-end tests (they set up their own display, bus and keychain).
if [ -f tests/e2e/run.sh ]; then
  echo "==> tests/e2e/run.sh ${e2e_env[*]}"
  env "${e2e_env[@]}" bash tests/e2e/run.sh </dev/null || failed+=(e2e)
fi

# 5. The Rust suite, under a private X display.
echo "==> starting Xvfb"
# -displayfd picks a free display number and writes it once the server accepts connections.
Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x1024x24 \
  3>"$tmp/display" </dev/null >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 500); do # 10 s
  [ -s "$tmp/display" ] && break
  kill -0 "$xvfb_pid" 2>/dev/null || break
  sleep 0.02
done
if [ ! -s "$tmp/display" ]; then
  echo "test: Xvfb did not start; its log:" >&2
  tail -n 20 "$tmp/xvfb.log" >&2 || true
  exit 1
fi
export DISPLAY=":$(tr -dc '0-9' <"$tmp/display")"
unset WAYLAND_DISPLAY XAUTHORITY
# Tests must use the keychains they start themselves: a session bus address that leads
# nowhere keeps a stray test off the user's keychain, and stops libdbus from autolaunching
# a bus (and a locked keyring) on our $DISPLAY.
export DBUS_SESSION_BUS_ADDRESS="unix:path=$tmp/no-session-bus"
# The memory test's counts per operation (docs/security.md).
mkdir -p artifacts/memory
export KEYWARD_MEMORY_REPORT="$PWD/artifacts/memory/cli.json"

if [ ${#failed[@]} -gt 0 ]; then
  echo "test: FAILED before the Rust tests: ${failed[*]}" >&2
fi
rust_ok=true
if cargo nextest --version >/dev/null 2>&1; then
  profile=default
  [ "${CI:-}" = true ] && profile=ci
  echo "==> cargo test --doc"
  cargo test --workspace --doc </dev/null || failed+=(doctests)
  echo "==> cargo nextest run --profile $profile (DISPLAY=$DISPLAY)"
  cargo nextest run --workspace --profile "$profile" </dev/null || rust_ok=false
else
  echo "==> cargo test (DISPLAY=$DISPLAY; install cargo-nextest for a faster, isolated run)"
  cargo test --workspace </dev/null || rust_ok=false
fi
# Nothing is printed from here on: the runner's summary must be the last line.
$rust_ok && [ ${#failed[@]} -eq 0 ]
