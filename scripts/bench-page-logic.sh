#!/usr/bin/env bash
# The window's list logic in WebKitGTK's own JavaScript engine, JIT on and off (issue 14: the
# window's web process runs without JIT by default, src-tauri/src/webview_tuning.rs). Reported,
# never asserted. The code measured is the window's (ui/src/lib: search index, filter, sort,
# grouping, the virtual list's offsets), bundled from benches/page-logic/search.ts and run by
# benches/page-logic/jsc-run.c against libjavascriptcoregtk-4.1, the library the web process
# runs the page with.
#
#   bash scripts/bench-page-logic.sh      # BENCH_SIZES (default "1000 10000"), BENCH_RUNS (5)
#
# Each run is a fresh process; JIT on and off alternate, and the table gives the median over
# the runs of each run's median.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${BENCH_SIZES:-"1000 10000"}
RUNS=${BENCH_RUNS:-5}

for tool in gcc pkg-config node; do
  command -v "$tool" >/dev/null || { echo "bench-page-logic: $tool not found (scripts/setup-system.sh)" >&2; exit 1; }
done
pkg-config --exists javascriptcoregtk-4.1 ||
  { echo "bench-page-logic: no javascriptcoregtk-4.1 (libwebkit2gtk-4.1-dev; scripts/setup-system.sh)" >&2; exit 1; }
if [ ! -x ui/node_modules/.bin/rolldown ]; then
  npm ci --prefix ui --no-audit --no-fund </dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyward-page-logic.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046 # pkg-config prints several flags on purpose
gcc -O2 -o "$tmp/jsc-run" benches/page-logic/jsc-run.c $(pkg-config --cflags --libs javascriptcoregtk-4.1)
ui/node_modules/.bin/rolldown benches/page-logic/search.ts --format iife --file "$tmp/search.js" >"$tmp/rolldown.log" 2>&1 ||
  { cat "$tmp/rolldown.log" >&2; exit 1; }

# samples.tsv: size, JIT on/off, run, measure, median ms, max ms, samples
for size in $SIZES; do
  printf 'globalThis.BENCH_N = %d;\n' "$size" | cat - "$tmp/search.js" >"$tmp/search-$size.js"
  for run in $(seq "$RUNS"); do
    for jit in on off; do
      if [ "$jit" = on ]; then
        "$tmp/jsc-run" "$tmp/search-$size.js" >"$tmp/out"
      else
        JSC_useJIT=0 "$tmp/jsc-run" "$tmp/search-$size.js" >"$tmp/out"
      fi
      while IFS=$'\t' read -r label median max count; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$jit" "$run" "$label" "$median" "$max" "$count" >>"$tmp/samples.tsv"
      done <"$tmp/out"
    done
  done
done

echo "The window's list logic in WebKitGTK's JavaScript engine ($(pkg-config --modversion javascriptcoregtk-4.1)), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $RUNS runs"
echo
node - "$tmp/samples.tsv" <<'JS'
const fs = require('node:fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split('\t'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const groups = new Map();
for (const [size, jit, , label, ms, max] of rows) {
  const key = `${size}\t${label}`;
  const g = groups.get(key) ?? { on: [], off: [], onMax: [], offMax: [] };
  g[jit].push(Number(ms));
  g[`${jit}Max`].push(Number(max));
  groups.set(key, g);
}
console.log('| keys | measure | JIT on: ms, median (max) | JIT off (the window\'s default): ms, median (max) | off × on |');
console.log('|---:|---|---:|---:|---:|');
for (const [key, g] of groups) {
  const [size, label] = key.split('\t');
  const on = median(g.on);
  const off = median(g.off);
  const ratio = on > 0 ? (off / on).toFixed(1) : '–';
  console.log(`| ${Number(size).toLocaleString('en')} | ${label} | ${on} (${Math.max(...g.onMax)}) | ${off} (${Math.max(...g.offMax)}) | ${ratio} |`);
}
JS
