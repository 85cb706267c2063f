#!/usr/bin/env bash
# Keyward's end-to-end tests: the built desktop app in a real window under Xvfb, driven by
# WebDriver (tauri-driver -> WebKitWebDriver), with a throwaway gnome-keyring on a private
# D-Bus bus. Builds nothing: run `make build` (or `npm run build --prefix ui && cargo build
# --workspace --bins`) first.
#
#   bash tests/e2e/run.sh [extra node --test arguments, e.g. --test-name-pattern=copy]
#
# What it starts (each stopped by PID on exit, output to log files in its temp dir, never to
# this script's stdout): Xvfb on a free display, two private dbus-daemons without service
# activation (one with an unlocked gnome-keyring, one with no Secret Service at all, for the
# "keychain unavailable" test), provider-sim (the providers' APIs on a free loopback port,
# seeded from fixtures/sim-seed.json; its base URL reaches the tests as KEYWARD_SIM) and
# tauri-driver on two free ports. The tests start one app session per test, each with its own
# data dir (see lib/harness.mjs for how the environment reaches the app). Screenshots go to
# artifacts/e2e/; on failure the daemons' logs too.
#
# Environment: KEYWARD_APP, KEYWARD_CLI, KEYWARD_PROVIDER_SIM, KEYWARD_MEMORY_SCAN (default
# target/debug/...),
# KEYWARD_SIM_SEED (default fixtures/sim-seed.json), TAURI_DRIVER (default
# .tools/bin/tauri-driver, else PATH), WEBKIT_WEBDRIVER (default: WebKitWebDriver on PATH),
# KEYWARD_E2E_ARTIFACTS (default artifacts/e2e), KEYWARD_E2E_KEEP=1 keeps the temp dir,
# KEYWARD_E2E_APP_ENV="NAME=value ..." adds variables to every app session (debugging aid).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

die() {
  echo "e2e: $*" >&2
  exit 1
}

# --- what must already exist -------------------------------------------------------------
app=${KEYWARD_APP:-$root/target/debug/keyward-desktop}
cli=${KEYWARD_CLI:-$root/target/debug/keyward}
sim=${KEYWARD_PROVIDER_SIM:-$root/target/debug/provider-sim}
# The memory test's reader of /proc/PID/mem (crates/memory-scan).
memory_scan=${KEYWARD_MEMORY_SCAN:-$root/target/debug/memory-scan}
for bin in "$app" "$cli" "$sim" "$memory_scan"; do
  [ -x "$bin" ] || die "$bin is missing: build first (make build, or: npm run build --prefix ui && cargo build --workspace --bins). This script builds nothing."
done
app=$(realpath "$app")
cli=$(realpath "$cli")
sim=$(realpath "$sim")
memory_scan=$(realpath "$memory_scan")
sim_seed=${KEYWARD_SIM_SEED:-$here/fixtures/sim-seed.json}
[ -f "$sim_seed" ] || die "the simulator's seed file $sim_seed is missing"
sim_seed=$(realpath "$sim_seed")

tauri_driver=${TAURI_DRIVER:-}
if [ -z "$tauri_driver" ]; then
  if [ -x "$root/.tools/bin/tauri-driver" ]; then
    tauri_driver=$root/.tools/bin/tauri-driver
  else
    tauri_driver=$(command -v tauri-driver || true)
  fi
fi
[ -n "$tauri_driver" ] && [ -x "$tauri_driver" ] ||
  die "tauri-driver is missing: make setup (or: cargo install tauri-driver --version 2.1.0 --locked --root .tools)"
native_driver=${WEBKIT_WEBDRIVER:-$(command -v WebKitWebDriver || true)}
[ -n "$native_driver" ] && [ -x "$native_driver" ] ||
  die "WebKitWebDriver is missing: apt-get install webkit2gtk-driver"

missing=()
for tool in node Xvfb dbus-daemon dbus-send gnome-keyring-daemon secret-tool xclip import pgrep; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] ||
  die "not on PATH: ${missing[*]} (Debian packages: xvfb dbus gnome-keyring libsecret-tools xclip imagemagick procps nodejs)"

# npm packages (webdriverio). Installing is not building; do it here if `make setup` has not.
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
  [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "e2e: npm ci (tests/e2e)"
  npm ci --prefix "$here" --no-audit --no-fund </dev/null >&2
fi

artifacts=${KEYWARD_E2E_ARTIFACTS:-$root/artifacts/e2e}
mkdir -p "$artifacts"
artifacts=$(realpath "$artifacts")
# Only what an earlier run left (never the directory itself: it may be given by the caller).
rm -f "$artifacts"/*.png "$artifacts"/fail-*.json
rm -rf "$artifacts/logs"

# --- teardown ----------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyward-e2e.XXXXXX")
started=() # PIDs this script started, in start order

descendants() { # every process below PID $1, children first
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    descendants "$child"
    echo "$child"
  done
}

stop_pids() { # SIGTERM, up to 3 s grace, then SIGKILL; works for non-children too
  local pid alive=() left=()
  for pid in "$@"; do
    kill -TERM "$pid" 2>/dev/null && alive+=("$pid")
  done
  for _ in $(seq 150); do
    left=()
    for pid in "${alive[@]}"; do
      # A zombie child of ours counts as gone (reaped by `wait` below).
      if kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; then
        left+=("$pid")
      fi
    done
    [ ${#left[@]} -eq 0 ] && return 0
    alive=("${left[@]}")
    sleep 0.02
  done
  for pid in "${left[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Collect the whole tree below each started process first: once tauri-driver is gone,
  # WebKitWebDriver, the app and its WebKit processes would be orphans we could not find.
  local pids=() pid i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    pid=${started[i]}
    pids+=($(descendants "$pid") "$pid")
  done
  [ ${#pids[@]} -gt 0 ] && stop_pids "${pids[@]}"
  wait 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    mkdir -p "$artifacts/logs"
    cp "$tmp"/*.log "$artifacts/logs/" 2>/dev/null || true
    echo "e2e: FAILED (exit $rc); logs copied to $artifacts/logs/" >&2
  fi
  if [ "${KEYWARD_E2E_KEEP:-}" = 1 ]; then
    echo "e2e: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a daemon in the background: stdin from $1 (a file or /dev/null), stdout+stderr appended
# to the log $2, the rest is the command. With setpriv, the daemon also gets SIGTERM if this
# script is SIGKILLed before its trap can run.
pdeath=()
command -v setpriv >/dev/null 2>&1 && pdeath=(setpriv --pdeathsig TERM --)
spawn() {
  local input=$1 log=$2
  shift 2
  "${pdeath[@]}" "$@" <"$input" >>"$log" 2>&1 &
  started+=($!)
  last_pid=$!
}

wait_for() { # wait_for SECONDS WHAT PID COMMAND...: polls COMMAND every 20 ms
  local secs=$1 what=$2 pid=$3
  shift 3
  local i
  for ((i = 0; i < secs * 50; i++)); do
    "$@" 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      die "$what: the process exited (see $artifacts/logs/)"
    fi
    sleep 0.02
  done
  die "$what: not ready after ${secs} s (see $artifacts/logs/)"
}

# --- X display ---------------------------------------------------------------------------
# -displayfd picks a free display number and writes it once the server accepts connections.
# 1600x1000: room for the layout test's widest window (1,400 px) with its screenshots.
spawn /dev/null "$tmp/xvfb.log" Xvfb -displayfd 3 -nolisten tcp -screen 0 1600x1000x24 3>"$tmp/display"
xvfb_pid=$last_pid
wait_for 10 "Xvfb" "$xvfb_pid" test -s "$tmp/display"
display=":$(tr -dc '0-9' <"$tmp/display")"

# --- private session buses and the keychain ----------------------------------------------
bus_config() { # no <servicedir>, no standard session service dirs: nothing is ever activated
  cat <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
}

start_bus() { # start_bus NAME -> sets bus_address
  local name=$1
  bus_config "$tmp/$name.sock" >"$tmp/$name.conf"
  spawn /dev/null "$tmp/dbus-$name.log" \
    dbus-daemon "--config-file=$tmp/$name.conf" --nofork --nopidfile
  wait_for 10 "dbus-daemon ($name)" "$last_pid" test -S "$tmp/$name.sock"
  bus_address="unix:path=$tmp/$name.sock"
}

start_bus keychain
keychain_bus=$bus_address
start_bus nokeychain
nokeychain_bus=$bus_address

mkdir -p "$tmp/keyring/home" "$tmp/keyring/data" "$tmp/keyring/config" "$tmp/keyring/cache" \
  "$tmp/keyring/runtime" "$tmp/data" "$tmp/files"
chmod 700 "$tmp/keyring/runtime"
printf '%s' "keyward-e2e" >"$tmp/keyring/password" # the throwaway login collection's password
# Hermetic environment, and no DISPLAY: a locked keyring with a display waits forever for an
# unlock dialog.
spawn "$tmp/keyring/password" "$tmp/gnome-keyring.log" env -i \
  PATH="$PATH" HOME="$tmp/keyring/home" XDG_DATA_HOME="$tmp/keyring/data" \
  XDG_CONFIG_HOME="$tmp/keyring/config" XDG_CACHE_HOME="$tmp/keyring/cache" \
  XDG_RUNTIME_DIR="$tmp/keyring/runtime" DBUS_SESSION_BUS_ADDRESS="$keychain_bus" LC_ALL=C.UTF-8 \
  gnome-keyring-daemon --foreground --unlock --components=secrets
keyring_pid=$last_pid

dbus_bool() { # dbus_bool ARGS...: the boolean of a dbus-send reply on the keychain bus
  env -u DISPLAY dbus-send "--bus=$keychain_bus" --print-reply --reply-timeout=2000 "$@" </dev/null |
    awk '$1 == "boolean" || $2 == "boolean" { print $NF }' | tail -n 1
}
secrets_ready() {
  [ "$(dbus_bool --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets)" = true ] &&
    [ "$(dbus_bool --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
      org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection \
      string:Locked)" = false ]
}
wait_for 15 "gnome-keyring (org.freedesktop.secrets, unlocked)" "$keyring_pid" secrets_ready

# A second member's own keychain (the team test, issue 15): another gnome-keyring on its own bus.
start_bus keychain_b
keychain_b_bus=$bus_address
kb=$tmp/keyring-b
mkdir -p "$kb/home" "$kb/data" "$kb/config" "$kb/cache" "$kb/runtime"
chmod 700 "$kb/runtime"
spawn "$tmp/keyring/password" "$tmp/gnome-keyring-b.log" env -i \
  PATH="$PATH" HOME="$kb/home" XDG_DATA_HOME="$kb/data" XDG_CONFIG_HOME="$kb/config" \
  XDG_CACHE_HOME="$kb/cache" XDG_RUNTIME_DIR="$kb/runtime" DBUS_SESSION_BUS_ADDRESS="$keychain_b_bus" \
  LC_ALL=C.UTF-8 gnome-keyring-daemon --foreground --unlock --components=secrets
keyring_b_pid=$last_pid
secrets_b_ready() { local keychain_bus=$keychain_b_bus; secrets_ready; } # dynamic scope: dbus_bool asks bus b
wait_for 15 "second gnome-keyring (unlocked)" "$keyring_b_pid" secrets_b_ready

# --- provider-sim ------------------------------------------------------------------------
# The providers' APIs (Postmark, Postman, ...) on 127.0.0.1 and a port it picks; it prints
# `provider-sim listening on http://127.0.0.1:PORT` as its one line on stdout (kept apart from
# its log on stderr). Its request log (method, path, status; never headers, queries or bodies)
# helps when a provider test fails.
"${pdeath[@]}" env PROVIDER_SIM_LOG="${PROVIDER_SIM_LOG:-provider_sim=debug}" \
  "$sim" --port 0 --seed "$sim_seed" </dev/null >"$tmp/provider-sim.out" 2>>"$tmp/provider-sim.log" &
started+=($!)
sim_pid=$!
sim_listening() { grep -Eq '^provider-sim listening on http://127\.0\.0\.1:[0-9]+$' "$tmp/provider-sim.out"; }
wait_for 15 "provider-sim (seed $sim_seed)" "$sim_pid" sim_listening
sim_url=$(grep -m1 -Eo 'http://127\.0\.0\.1:[0-9]+$' "$tmp/provider-sim.out")
sim_health() ( # the control endpoint answers 200: it really serves (a subshell: fd 3 stays in it)
  exec 3<>"/dev/tcp/127.0.0.1/${sim_url##*:}" || exit 1
  printf 'GET /_control/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  IFS= read -r -t 2 status <&3 || exit 1
  [[ $status == "HTTP/1.1 200"* ]]
)
wait_for 10 "provider-sim health check ($sim_url/_control/health)" "$sim_pid" sim_health

# --- tauri-driver ------------------------------------------------------------------------
# Two free ports (not 4444/4445: other test runs may share this machine).
read -r driver_port native_port < <(node -e '
  const net = require("net");
  const one = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
  (async () => { const a = await one(); let b = await one(); while (b === a) b = await one(); console.log(a, b); })();
')
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# tauri-driver starts each app session as a grandchild (tauri-driver -> WebKitWebDriver ->
# app) and the app inherits this environment: the display, the keychain bus by default, and
# no data dir (each session sets its own, see lib/harness.mjs).
# WEBKIT_DISABLE_DMABUF_RENDERER: Xvfb has no DRM device; with WebKitGTK's DMA-BUF renderer
# the page renders (WebDriver's own screenshots show it) but the X window stays blank, so
# screenshots of the real window (`import -window root`) would show an empty window.
spawn /dev/null "$tmp/tauri-driver.log" env -u KEYWARD_DATA_DIR -u WAYLAND_DISPLAY -u XAUTHORITY \
  DISPLAY="$display" DBUS_SESSION_BUS_ADDRESS="$keychain_bus" \
  GDK_BACKEND=x11 NO_AT_BRIDGE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 KEYWARD_LOG="${KEYWARD_LOG:-info}" \
  "$tauri_driver" --port "$driver_port" --native-port "$native_port" --native-driver "$native_driver"
driver_pid=$last_pid
# It opens its own port before WebKitWebDriver listens: wait for both.
wait_for 20 "tauri-driver (port $driver_port)" "$driver_pid" port_open "$driver_port"
wait_for 20 "WebKitWebDriver (port $native_port)" "$driver_pid" port_open "$native_port"

# --- the tests ---------------------------------------------------------------------------
# One file at a time (--test-concurrency=1): every file drives the one Xvfb screen, whose
# screenshots must show only that file's window.
echo "e2e: display $display, driver 127.0.0.1:$driver_port, provider-sim $sim_url, artifacts $artifacts"
# Test files run one at a time (--test-concurrency=1): they share one tauri-driver and display.
# In the background, then `wait`: a trapped INT/TERM interrupts `wait` at once (bash runs a
# trap only after a foreground command ends), and the cleanup then stops the node process too.
(
  cd "$here"
  exec env \
    KEYWARD_APP="$app" KEYWARD_CLI="$cli" KEYWARD_MEMORY_SCAN="$memory_scan" \
    DISPLAY="$display" DBUS_SESSION_BUS_ADDRESS="$keychain_bus" \
    KEYWARD_E2E_NO_KEYCHAIN_BUS="$nokeychain_bus" \
    KEYWARD_E2E_KEYCHAIN_BUS_B="$keychain_b_bus" \
    KEYWARD_E2E_DRIVER_PORT="$driver_port" \
    KEYWARD_E2E_ARTIFACTS="$artifacts" \
    KEYWARD_E2E_TMP="$tmp/data" KEYWARD_E2E_FILES="$tmp/files" \
    KEYWARD_E2E_APP_LOG="$tmp/tauri-driver.log" \
    KEYWARD_SIM="$sim_url" KEYWARD_SIM_SEED="$sim_seed" KEYWARD_E2E_SIM_LOG="$tmp/provider-sim.log" \
    node --test --test-concurrency=1 --test-reporter=tap "$@" keyward.test.mjs about.test.mjs rotation.test.mjs bulk-rotation.test.mjs findings.test.mjs layout.test.mjs memory.test.mjs live.test.mjs status.test.mjs noise.test.mjs startup.test.mjs team.test.mjs start10k.test.mjs firstpaint.test.mjs compactrow.test.mjs
) </dev/null &
started+=($!)
status=0
wait $! || status=$?
exit "$status"
