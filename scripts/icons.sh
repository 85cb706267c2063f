#!/usr/bin/env bash
# The app icons all come from one committed source, icons/keyward.svg, through `tauri icon`
# (@tauri-apps/cli, pinned in ui/package.json). Only the desktop set is kept: the PNGs the
# Linux bundles install (hicolor 32, 64, 128, 256, 512), icon.ico (Windows) and icon.icns
# (macOS); tauri.conf.json bundle.icon lists them. Not 128x128@2x.png: Tauri's Linux bundler
# installs it as hicolor/256x256@2, a directory for 512 px images, so a separate 256 px icon
# (`tauri icon --png 256`) stands in.
#   scripts/icons.sh           regenerate them into icons/
#   scripts/icons.sh --check   fail if a committed PNG or .ico differs from a fresh rendering
#                              (the .icns container is not byte-stable between runs)
set -euo pipefail
cd "$(dirname "$0")/.."
tauri=ui/node_modules/.bin/tauri
[ -x "$tauri" ] || { echo "icons: $tauri is missing: npm ci --prefix ui" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyward-icons.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
{ "$tauri" icon icons/keyward.svg --output "$tmp" && "$tauri" icon icons/keyward.svg --output "$tmp" --png 256; } >"$tmp.log" 2>&1 || {
  cat "$tmp.log" >&2
  rm -f "$tmp.log"
  exit 1
}
rm -f "$tmp.log"

set=(32x32.png 64x64.png 128x128.png 256x256.png icon.png icon.ico icon.icns)
if [ "${1:-}" = --check ]; then
  stale=()
  for f in "${set[@]}"; do
    [ "$f" = icon.icns ] && continue
    cmp -s "$tmp/$f" "icons/$f" || stale+=("$f")
  done
  if [ ${#stale[@]} -gt 0 ]; then
    echo "icons: icons/${stale[*]} not rendered from icons/keyward.svg: run 'make icons'" >&2
    exit 1
  fi
  echo "icons: every icon matches icons/keyward.svg"
else
  for f in "${set[@]}"; do cp "$tmp/$f" "icons/$f"; done
  echo "icons: wrote ${set[*]} into icons/ from icons/keyward.svg"
fi
