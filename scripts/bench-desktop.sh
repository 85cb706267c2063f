#!/usr/bin/env bash
# Desktop benchmark, reported and never asserted: cold start to an interactive inventory and
# resident memory (app + its WebKit processes) of Keyward with 0, 1,000 and 10,000 keys, each
# as a ratio to a bare Tauri v2 window (benches/bare-window) built in the same run.
#
#   bash scripts/bench-desktop.sh          # builds everything in release, then measures
#
# Environment: BENCH_RUNS (default 5 launches per app), BENCH_SIZES (default "1000 10000"),
# BENCH_SKIP_BUILD=1 (use the existing release binaries), BENCH_APP (another keyward-desktop,
# e.g. one built with a different profile; with BENCH_SKIP_BUILD=1), BENCH_OUT (default artifacts/bench:
# the table, raw samples, screenshots, app logs), BENCH_KEYRING=session|login (see below).
# BENCH_APPS: several apps measured in the same run, each on every data set, as space-separated
#   NAME=PATH[|VAR=value...] (the VARs are set for that app only), e.g. BEFORE vs AFTER and
#   one WebKit knob at a time:
#     BENCH_APPS="before=/work/before/target/release/keyward-desktop
#                 after=target/release/keyward-desktop
#                 no-tuning=target/release/keyward-desktop|KEYWARD_WEBKIT_TUNING=none"
#   The word `desktop-entry` among the VARs stands for the variables the desktop entry starts
#   the app with (src-tauri/keyward.desktop: the wiping allocators' settings, so the app does not
#   restart itself to get them); without it the app is started by path, as from a terminal.
#   Default: "keyward=$BENCH_APP|desktop-entry" (one app, started as from the menu). Every ratio
#   is to the same bare window.
# BENCH_IMPORT_MAX: at most this many keys per data set go through `keyward import` (and so
#   into the keychain); the rest of a larger set are copies of those rows made in SQLite
#   (new ids and names, no fingerprint, no keychain entry: they show as missing their secret).
#   Default: no limit. 10,000 keys take ~14 min to import here (gnome-keyring, see below).
#
# How it measures:
# - "Interactive" = the window has applied and painted its first rows (`keys_page`) and called
#   `app_ready`, which writes the Unix time in ms to $KEYWARD_READY_FILE (the bare window's page
#   calls its `ready` command after its first paint, the same way). Start-up = that time minus
#   the time just before the process was started (bash's $EPOCHREALTIME).
# - Every launch is a fresh process; launches are interleaved (bare, empty, 1k, 10k, bare, …)
#   so background load hits every app alike. Run 1 of each app is its first launch (cold page
#   cache for its binary and libraries only if nothing used them before; WebKit data dir
#   new); it is reported apart, and the medians are over runs 2..N. The OS page cache is not
#   dropped (that needs root and slows everyone else on the machine).
# - Memory: 2 s after "interactive", RSS and PSS (from /proc/PID/smaps_rollup) summed over the
#   app process and all its descendants (WebKitWebProcess, WebKitNetworkProcess, any sandbox
#   helpers). PSS counts shared pages once, split between the processes sharing them.
# - Each app runs under a private Xvfb and a private D-Bus session bus with no service
#   activation; each Keyward data set has its own unlocked throwaway gnome-keyring holding its
#   secrets (so the 1k run does not search a 11k-item keyring), seeded with one CSV import
#   through the release `keyward` CLI.
# - Keychain: by default the keyring's "default" alias points at gnome-keyring's in-memory
#   `session` collection. gnome-keyring rewrites the whole encrypted `login` keyring file on
#   every item written, so importing 10,000 keys into it is quadratic (about 3,300 keys in
#   9.5 min here, ~1.5 h projected for 10k). BENCH_KEYRING=login measures the real on-disk
#   collection (use it with BENCH_SIZES=1000). Since issue 14 nothing before the first paint
#   touches the keychain: the window asks for its status (a probe that writes, reads and
#   deletes an entry) right after; builds before that probed it in setup().
# Everything started here is stopped by PID on exit; daemons log to files in a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=${BENCH_RUNS:-5}
SIZES=${BENCH_SIZES:-"1000 10000"}
OUT=${BENCH_OUT:-$ROOT/artifacts/bench}
READY_TIMEOUT_S=60
SETTLE_S=2
KEYRING=${BENCH_KEYRING:-session}
KEYRING_PASSWORD=bench-keychain

APP=${BENCH_APP:-$ROOT/target/release/keyward-desktop} # BENCH_APP: another build of the app
APPS=${BENCH_APPS:-"keyward=$APP|desktop-entry"}
IMPORT_MAX=${BENCH_IMPORT_MAX:-0}
CLI=$ROOT/target/release/keyward
BARE_TARGET=$ROOT/target/bare-window
BARE=$BARE_TARGET/release/bare-window

if [ "${BASH_VERSINFO[0]}" -lt 5 ]; then
  echo "bench: needs bash 5 (\$EPOCHREALTIME)" >&2
  exit 1
fi
for tool in Xvfb dbus-daemon dbus-send gnome-keyring-daemon pgrep awk; do
  command -v "$tool" >/dev/null || {
    echo "bench: $tool not found (packages: xvfb dbus gnome-keyring procps; scripts/setup-system.sh)" >&2
    exit 1
  }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyward-bench.XXXXXX")
daemon_pids=() # Xvfb, dbus-daemons, gnome-keyrings: stopped in reverse order
app_pid=""

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# descendants PID: every descendant of PID, parents before children.
descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    echo "$child"
    descendants "$child"
  done
}

# stop_pids PID...: SIGTERM, up to 2 s grace, then SIGKILL; reaps our own children.
stop_pids() {
  local pid alive
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "$@"; do
      if kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; then
        alive=1
      fi
    done
    [ "$alive" = 0 ] && break
    sleep 0.02
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# stop_tree PID: the process and all its descendants, by PID.
stop_tree() {
  local tree
  tree=$(descendants "$1")
  # shellcheck disable=SC2086 # word splitting of the PID list is intended
  stop_pids "$1" $tree
}

cleanup() {
  local status=$?
  if [ -n "$app_pid" ]; then stop_tree "$app_pid"; fi
  local i
  for ((i = ${#daemon_pids[@]} - 1; i >= 0; i--)); do stop_pids "${daemon_pids[i]}"; done
  if [ "$status" -ne 0 ] && [ -d "$tmp" ]; then
    echo "bench: failed; daemon logs:" >&2
    for log in "$tmp"/*.log; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. Builds (release, same profile for both apps) ----
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  echo "==> npm run build --prefix ui"
  npm run build --prefix ui </dev/null
  echo "==> cargo build --release -p keyward-desktop -p keyward-cli"
  cargo build --release -p keyward-desktop -p keyward-cli </dev/null
  echo "==> bare Tauri v2 window (benches/bare-window, CARGO_TARGET_DIR=target/bare-window)"
  CARGO_TARGET_DIR=$BARE_TARGET cargo build --release --locked \
    --manifest-path benches/bare-window/Cargo.toml </dev/null
fi
# The desktop entry's VAR=value words (Exec=env … {{exec}}): what the menu starts the app with.
ENTRY_ENV=$(sed -n 's/^Exec=env \(.*\) {{exec}}$/\1/p' src-tauri/keyward.desktop)
[ -n "$ENTRY_ENV" ] || { echo "bench: no Exec=env … line in src-tauri/keyward.desktop" >&2; exit 1; }
# The apps: APP_BIN[name], APP_ENV[name] (space-separated VAR=value), in APP_NAMES order.
declare -A APP_BIN APP_ENV
APP_NAMES=()
for spec in $APPS; do
  name=${spec%%=*}
  rest=${spec#*=}
  [[ $name =~ ^[A-Za-z0-9_-]+$ ]] || { echo "bench: bad app name in BENCH_APPS: $spec" >&2; exit 1; }
  APP_BIN[$name]=${rest%%|*}
  APP_ENV[$name]=""
  [[ $rest == *"|"* ]] && APP_ENV[$name]=$(tr '|' ' ' <<<"${rest#*|}")
  APP_ENV[$name]=${APP_ENV[$name]//desktop-entry/$ENTRY_ENV}
  APP_NAMES+=("$name")
done
for bin in "${APP_BIN[@]}" "$CLI" "$BARE"; do
  [ -x "$bin" ] || { echo "bench: $bin is missing (run without BENCH_SKIP_BUILD)" >&2; exit 1; }
done
mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.log "$OUT"/results.tsv "$OUT"/table.md

# ---- 2. A private X display ----
Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x1024x24 3>"$tmp/display" </dev/null >"$tmp/xvfb.log" 2>&1 &
daemon_pids+=("$!")
for _ in $(seq 500); do
  [ -s "$tmp/display" ] && break
  sleep 0.02
done
[ -s "$tmp/display" ] || { echo "bench: Xvfb did not start" >&2; exit 1; }
DISPLAY_NUM=":$(tr -dc '0-9' <"$tmp/display")"

# run_env DIR [VAR=value…] COMMAND…: runs COMMAND with the hermetic environment every daemon
# and app gets (HOME and XDG dirs under DIR, no DISPLAY unless given).
run_env() {
  local home=$1
  shift
  env -i PATH="$PATH" HOME="$home/home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
    XDG_CACHE_HOME="$home/cache" XDG_RUNTIME_DIR="$home/runtime" LC_ALL=C.UTF-8 "$@"
}
# spawn_env STDIN DIR [VAR=value…] COMMAND…: like run_env, in the background with stdin from
# the file STDIN; SPAWNED is the PID of COMMAND itself (env execs it), not of a subshell.
# Output redirections given to spawn_env apply to COMMAND.
spawn_env() {
  local input=$1 home=$2
  shift 2
  env -i PATH="$PATH" HOME="$home/home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
    XDG_CACHE_HOME="$home/cache" XDG_RUNTIME_DIR="$home/runtime" LC_ALL=C.UTF-8 "$@" <"$input" &
  SPAWNED=$!
}
make_home() {
  mkdir -p "$1"/{home,data,config,cache,runtime}
  chmod 700 "$1/runtime"
}

# bus_has_owner ADDRESS NAME: the name has an owner on that bus.
bus_has_owner() {
  local reply
  reply=$(dbus-send --bus="$1" --print-reply --reply-timeout=5000 --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$2" 2>/dev/null) || return 1
  grep -q 'boolean true' <<<"$reply"
}

# start_keychain NAME: a private bus (no activation) and an unlocked gnome-keyring on it, with
# their data under $tmp/NAME. Sets BUS to the bus address.
start_keychain() {
  local name=$1 dir=$tmp/$1
  make_home "$dir"
  BUS="unix:path=$dir/bus"
  cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>$BUS</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  spawn_env /dev/null "$dir" dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile \
    >"$tmp/dbus-$name.log" 2>&1
  daemon_pids+=("$SPAWNED")
  for _ in $(seq 500); do
    [ -S "$dir/bus" ] && break
    sleep 0.02
  done
  [ -S "$dir/bus" ] || { echo "bench: dbus-daemon ($name) did not listen" >&2; exit 1; }
  printf '%s' "$KEYRING_PASSWORD" >"$dir/password"
  spawn_env "$dir/password" "$dir" DBUS_SESSION_BUS_ADDRESS="$BUS" \
    gnome-keyring-daemon --foreground --unlock --components=secrets \
    >"$tmp/gnome-keyring-$name.log" 2>&1
  daemon_pids+=("$SPAWNED")
  local ok=""
  for _ in $(seq 500); do
    if bus_has_owner "$BUS" org.freedesktop.secrets &&
      grep -q 'boolean false' <<<"$(dbus-send --bus="$BUS" --print-reply --reply-timeout=5000 \
        --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
        org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection \
        string:Locked 2>/dev/null || true)"; then
      ok=1
      break
    fi
    sleep 0.02
  done
  [ -n "$ok" ] || { echo "bench: gnome-keyring ($name) did not come up unlocked" >&2; exit 1; }
  if [ "$KEYRING" = session ]; then
    dbus-send --bus="$BUS" --print-reply --reply-timeout=5000 --dest=org.freedesktop.secrets \
      /org/freedesktop/secrets org.freedesktop.Secret.Service.SetAlias string:default \
      objpath:/org/freedesktop/secrets/collection/session >/dev/null
  fi
}

# ---- 3. Data sets: an empty inventory, and SIZES keys each imported from one CSV ----
# make_csv N FILE: N keys over 6 providers, 3 environments, 6 purposes; unique, well-formed
# secrets (fake) so every row passes detection.
make_csv() {
  awk -v n="$1" 'BEGIN {
    split("dev staging prod", env, " ")
    split("send transactional email|ingest events|evaluate feature flags|read published blog content|purge cache|run API tests", purpose, "|")
    print "name,provider,kind,environment,purpose,secret"
    for (i = 1; i <= n; i++) {
      p = i % 6
      if (p == 0) { prov = "postmark"; kind = "server_token"; s = sprintf("%08x-0000-4000-8000-%012x", i, i) }
      else if (p == 1) { prov = "posthog"; kind = "personal"; s = sprintf("phx_bench%038d", i) }
      else if (p == 2) { prov = "postman"; kind = "api_key"; s = sprintf("PMAK-%024x-%034x", i, i) }
      else if (p == 3) { prov = "postnomic"; kind = "blog_key"; s = sprintf("pk_bench%024d", i) }
      else if (p == 4) { prov = "cloudflare"; kind = "user_token"; s = sprintf("cfut_bench%035d%08x", i, i) }
      else { prov = "sendgrid"; kind = "api_key"; s = sprintf("SG.bench%017d.bench%038d", i, i) }
      printf "bench key %06d,%s,%s,%s,%s,%s\n", i, prov, kind, env[i % 3 + 1], purpose[int(i / 3) % 6 + 1], s
    }
  }' >"$2"
}

# clone_keys DB N: grows the keys table of DB to N rows with copies of its rows (new ids and
# names; no fingerprint and no keychain entry), for BENCH_IMPORT_MAX.
clone_keys() {
  local db=$1 want=$2 have cols picked="" col
  have=$(sqlite3 "$db" 'SELECT count(*) FROM keys')
  cols=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM pragma_table_info('keys')")
  for col in ${cols//,/ }; do
    case $col in
      id) col="lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))" ;;
      name) col="name || ' copy ' || c.n" ;;
      fingerprint) col="NULL" ;;
    esac
    picked+="${picked:+, }$col"
  done
  sqlite3 "$db" "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $(((want - 1) / have)))
    INSERT INTO keys ($cols) SELECT $picked FROM keys, c LIMIT $((want - have));"
}

declare -A BUS_OF DATA_OF
sizes=(empty)
start_keychain empty
BUS_OF[empty]=$BUS
DATA_OF[empty]=$tmp/empty/keyward
run_env "$tmp/empty" DBUS_SESSION_BUS_ADDRESS="$BUS" KEYWARD_DATA_DIR="${DATA_OF[empty]}" \
  "$CLI" list </dev/null >/dev/null # creates the database, as a first start would
BUS_OF[bare]=${BUS_OF[empty]}
import_notes=()
for n in $SIZES; do
  name=$((n / 1000))k
  [ $((n % 1000)) -eq 0 ] || name=$n
  start_keychain "$name"
  BUS_OF[$name]=$BUS
  DATA_OF[$name]=$tmp/$name/keyward
  imported=$n
  if [ "$IMPORT_MAX" -gt 0 ] && [ "$n" -gt "$IMPORT_MAX" ]; then imported=$IMPORT_MAX; fi
  make_csv "$imported" "$tmp/$name.csv"
  echo "==> seeding $name: keyward import ($imported keys, one CSV)"
  t0=$(now_ms)
  run_env "$tmp/$name" DBUS_SESSION_BUS_ADDRESS="$BUS" KEYWARD_DATA_DIR="${DATA_OF[$name]}" \
    "$CLI" import "$tmp/$name.csv" </dev/null >"$tmp/import-$name.out" 2>&1 ||
    { tail -n 20 "$tmp/import-$name.out" >&2; exit 1; }
  t1=$(now_ms)
  tail -n 1 "$tmp/import-$name.out"
  import_notes+=("import of $imported keys (one CSV, release CLI, each secret into gnome-keyring's $KEYRING collection): $(((t1 - t0) / 1000)).$((((t1 - t0) % 1000) / 100)) s")
  if [ "$imported" -lt "$n" ]; then
    clone_keys "${DATA_OF[$name]}/keyward.db" "$n"
    import_notes+=("$name: $imported keys imported, $((n - imported)) copies of their rows added in SQLite (metadata only, no keychain entry)")
  fi
  sizes+=("$name")
done
# A config is bare, or APP/SIZE: every app on every data set.
configs=(bare)
for size in "${sizes[@]}"; do
  for a in "${APP_NAMES[@]}"; do configs+=("$a/$size"); done
done

# ---- 4. Launches ----
# sample CONFIG RUN: start the app, wait for the ready file, sample memory, stop the tree.
# Appends "config run startup_ms rss_kib pss_kib processes open_ms in_process_ms" to
# results.tsv (the last two from the app's log: run() → inventory open, run() → interactive).
sample() {
  local config=$1 run=$2 file=${1//\//-} ready=$tmp/ready
  local app=${config%%/*} size=${config#*/} home=$tmp/home-${1//\//-} bin extra=()
  if [ "$config" = bare ]; then
    bin=$BARE size=empty
  else
    bin=${APP_BIN[$app]}
    # shellcheck disable=SC2206 # VAR=value words, split on purpose
    extra=(${APP_ENV[$app]})
  fi
  [ -d "$home" ] || make_home "$home"
  rm -f "$ready"
  local log=$OUT/$file-run$run.log
  local t0
  t0=$(now_ms)
  spawn_env /dev/null "$home" DISPLAY="$DISPLAY_NUM" DBUS_SESSION_BUS_ADDRESS="${BUS_OF[$size]}" \
    KEYWARD_DATA_DIR="${DATA_OF[$size]:-$home/keyward}" KEYWARD_READY_FILE="$ready" \
    KEYWARD_LOG=info "${extra[@]}" "$bin" >"$log" 2>&1
  app_pid=$SPAWNED
  local ready_ms="" deadline=$((t0 + READY_TIMEOUT_S * 1000))
  while :; do
    if [ -s "$ready" ]; then
      ready_ms=$(<"$ready")
      [[ $ready_ms =~ ^[0-9]{13}$ ]] && break
    fi
    if ! kill -0 "$app_pid" 2>/dev/null; then
      echo "bench: $config run $run exited before it was ready; its log:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    if [ "$(now_ms)" -gt "$deadline" ]; then
      echo "bench: $config run $run not ready within ${READY_TIMEOUT_S}s; its log:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    sleep 0.005
  done
  sleep "$SETTLE_S"
  local pids rss=0 pss=0 count=0 pid r p
  pids="$app_pid $(descendants "$app_pid" | tr '\n' ' ')"
  for pid in $pids; do
    read -r r p < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' \
      "/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
    rss=$((rss + r))
    pss=$((pss + p))
    count=$((count + 1))
    printf '%s\t%s\t%s\t%s\t%s\n' "$config" "$run" "$(cat "/proc/$pid/comm" 2>/dev/null)" "$r" "$p" \
      >>"$OUT/processes.tsv"
  done
  if [ "$run" = "$RUNS" ] && command -v import >/dev/null; then
    import -display "$DISPLAY_NUM" -window root "$OUT/$file.png" 2>/dev/null || true
  fi
  stop_tree "$app_pid"
  app_pid=""
  # The app's own log (ms since run() unless said): window created, inventory open, page
  # loaded, the first page's backend time and JSON size, the page's own phases (script start
  # after navigation, first page received after script start, derive + paint), interactive.
  local opened in_process created loaded page_backend page_bytes script page render
  created=$(log_number 'window created after ([0-9]+) ms' "$log")
  opened=$(log_number 'inventory open after ([0-9]+) ms' "$log")
  loaded=$(log_number 'page loaded after ([0-9]+) ms' "$log")
  page_backend=$(log_number 'keys_page: [0-9]+ of [0-9]+ keys in ([0-9]+) ms' "$log")
  page_bytes=$(log_number '([0-9]+) bytes of JSON' "$log")
  script=$(log_number 'script started ([0-9]+) ms after navigation' "$log")
  page=$(log_number 'received after ([0-9]+) ms' "$log")
  render=$(log_number 'derived and painted in ([0-9]+) ms' "$log")
  in_process=$(log_number 'window interactive after ([0-9]+) ms' "$log")
  # Since perf-start10k: the catalog's background load (ms since run()), the whole list's
  # chunks (the core's time), and where the first page's findings came from.
  local catalog whole source
  catalog=$(log_number 'catalog loaded after ([0-9]+) ms' "$log")
  whole=$(log_number 'whole list: [0-9]+ keys in [0-9]+ chunks, ([0-9]+) ms' "$log")
  source=$(log_number 'page 0\+[0-9]+: findings from the ([a-z]+)' "$log")
  # Since perf-firstpaint: the page's boot, ms since navigation (WebKitGTK times no resource
  # of the tauri:// scheme): the document received and parsed, the bundle evaluating (its
  # fetch, parse and compile before), Svelte mounted, the first contentful paint.
  local html parsed evaluated mounted fcp nav
  nav=$(log_number 'navigation started ([0-9]+) ms after run' "$log")
  html=$(log_number 'document received ([0-9]+) ms' "$log")
  parsed=$(log_number 'ms, parsed ([0-9]+) ms' "$log")
  evaluated=$(log_number 'script evaluating ([0-9]+) ms' "$log")
  mounted=$(log_number 'mounted ([0-9]+) ms' "$log")
  fcp=$(log_number 'first contentful paint ([0-9]+) ms' "$log")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$run" $((ready_ms - t0)) \
    "$rss" "$pss" "$count" "$opened" "$in_process" "$created" "$loaded" "$page_backend" "$page_bytes" \
    "$script" "$page" "$render" "$catalog" "$whole" "$source" \
    "$html" "$parsed" "$evaluated" "$mounted" "$fcp" "$nav" >>"$OUT/results.tsv"
  printf '  %-6s run %d: %5d ms to interactive, RSS %4d MiB, PSS %4d MiB (%d processes)\n' \
    "$config" "$run" $((ready_ms - t0)) $((rss / 1024)) $((pss / 1024)) "$count"
}

# log_number REGEX LOG: the first capture group of the first match of REGEX in LOG, or "-".
log_number() {
  local found
  found=$(grep -m1 -oE "$1" "$2" | sed -E "s/$1/\\1/" || true)
  echo "${found:--}"
}

printf 'config\trun\tprocess\trss_kib\tpss_kib\n' >"$OUT/processes.tsv"
printf 'config\trun\tstartup_ms\trss_kib\tpss_kib\tprocesses\topen_ms\tin_process_ms\tcreated_ms\tloaded_ms\tpage_backend_ms\tpage_bytes\tscript_ms\tpage_ms\trender_ms\tcatalog_ms\twhole_list_ms\tpage_findings_from\thtml_ms\tparsed_ms\tevaluated_ms\tmounted_ms\tfirst_paint_ms\tnavigation_ms\n' >"$OUT/results.tsv"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "==> $RUNS launches each of: ${configs[*]} (interleaved; load average $load_before)"
for ((run = 1; run <= RUNS; run++)); do
  for config in "${configs[@]}"; do sample "$config" "$run"; done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 5. The table ----
# The phase tables' cells: the median of a column's samples (– when none), and adding one.
PHASE_CELLS_AWK='
    function median(list,   a, n, i, t, x) {
      n = split(list, a, " ")
      if (n == 0) return "–"
      for (i = 1; i <= n; i++) for (t = i + 1; t <= n; t++) if (a[t] + 0 < a[i] + 0) { x = a[i]; a[i] = a[t]; a[t] = x }
      return sprintf("%d", n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    function add(c, col, v) { if (v != "-" && v != "") cell[c, col] = cell[c, col] " " v }
'
table() {
  echo "| app | start→interactive ms, median (min–max), runs 2–$RUNS | run 1 ms | RSS MiB | PSS MiB | start-up × bare | RSS × bare | PSS × bare |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -F'\t' -v runs="$RUNS" -v order="${configs[*]}" '
    function median(list,   a, n, i, t) {
      n = split(list, a, " ")
      for (i = 1; i <= n; i++) for (t = i + 1; t <= n; t++) if (a[t] + 0 < a[i] + 0) { x = a[i]; a[i] = a[t]; a[t] = x }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function minmax(list,   a, n, i, lo, hi) {
      n = split(list, a, " "); lo = hi = a[1]
      for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
      return lo "–" hi
    }
    NR == 1 { next }
    {
      c = $1
      if ($2 == 1 && runs > 1) { first[c] = $3; next }
      if ($2 == 1) first[c] = $3
      ms[c] = ms[c] " " $3; rss[c] = rss[c] " " $4; pss[c] = pss[c] " " $5
    }
    END {
      n = split(order, names, " ")
      bm = median(ms["bare"]); br = median(rss["bare"]); bp = median(pss["bare"])
      for (i = 1; i <= n; i++) {
        c = names[i]
        m = median(ms[c]); r = median(rss[c]) / 1024; p = median(pss[c]) / 1024
        printf "| %s | %d (%s) | %d | %.0f | %.0f | %.2f | %.2f | %.2f |\n", c, m, minmax(ms[c]), first[c], r, p, m / bm, r * 1024 / br, p * 1024 / bp
      }
    }' "$OUT/results.tsv"
}
{
  echo "Keyward desktop benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), WebKitGTK $(dpkg-query -W -f '${Version}' libwebkit2gtk-4.1-0 2>/dev/null || echo '?'), Xvfb 1280x1024; load average before $load_before, after $load_after"
  echo
  table
  echo
  echo "Where Keyward's start-up goes (ms unless said; medians of runs 2–$RUNS, from its log; bare has none; – = not logged by that build):"
  echo
  echo "| app | launch → run() | run() → window created | run() → inventory open | run() → page loaded | first page: backend ms | first page: JSON bytes | page: script start after navigation | page: script → first page received | page: derive + paint | run() → interactive | run() → catalog loaded (background) | whole list: backend ms (chunks) | first page's findings from |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  awk -F'\t' -v order="${configs[*]}" "$PHASE_CELLS_AWK"'
    NR == 1 || $2 == 1 || $8 == "-" { next }
    {
      seen[$1] = 1
      add($1, 1, $3 - $8); add($1, 2, $9); add($1, 3, $7); add($1, 4, $10); add($1, 5, $11)
      add($1, 6, $12); add($1, 7, $13); add($1, 8, $14); add($1, 9, $15); add($1, 10, $8)
      add($1, 11, $16); add($1, 12, $17)
      if ($18 != "-" && $18 != "") { from[$1, $18]++; runs[$1]++ }
    }
    END {
      n = split(order, names, " ")
      for (i = 1; i <= n; i++) {
        c = names[i]
        if (!(c in seen)) continue
        line = "| " c
        for (k = 1; k <= 12; k++) line = line " | " median(cell[c, k])
        src = runs[c] ? sprintf("store %d, catalog %d", from[c, "store"] + 0, from[c, "catalog"] + 0) : "–"
        print line " | " src " |"
      }
    }' "$OUT/results.tsv"
  echo
  echo "The page's own timeline (ms since navigation, medians of runs 2–$RUNS; – = not sent by that build). Between \"parsed\" and \"bundle evaluating\": the scripts' fetch over tauri://, parse and compile; \"mounted\": Svelte created the first-paint components; then the first page asked, received, and the first rows painted:"
  echo
  echo "| app | run() → navigation start | document received | parsed | bundle evaluating | mounted | first contentful paint | first page asked | first page received | rows painted |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v order="${configs[*]}" "$PHASE_CELLS_AWK"'
    NR == 1 || $2 == 1 || $13 == "-" { next }
    {
      seen[$1] = 1
      for (k = 1; k <= 5; k++) add($1, k, $(18 + k))
      add($1, 6, $13); add($1, 7, $13 + $14); add($1, 8, $13 + $14 + $15); add($1, 9, $24)
    }
    END {
      n = split(order, names, " ")
      for (i = 1; i <= n; i++) {
        c = names[i]
        if (!(c in seen)) continue
        line = "| " c " | " median(cell[c, 9])
        for (k = 1; k <= 8; k++) line = line " | " median(cell[c, k])
        print line " |"
      }
    }' "$OUT/results.tsv"
  echo
  for note in "${import_notes[@]}"; do echo "- $note"; done
  echo "- $RUNS launches per app, interleaved; medians over runs 2–$RUNS; memory 2 s after interactive, summed over the app and its descendants."
} | tee "$OUT/table.md"
echo "bench: raw samples in $OUT/results.tsv and processes.tsv, screenshots and app logs in $OUT"
