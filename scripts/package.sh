#!/usr/bin/env bash
# Builds Keyward's Linux packages: the UI, both release binaries (the desktop app and the
# `keyward` CLI, in one cargo run), the bundles (Tauri's bundler packs both), and puts them
# under target/package/ with Debian/RPM file names:
#   target/package/keyward_<version>_<arch>.deb
#   target/package/keyward-<version>-1.<arch>.rpm
# What goes into the packages is configured in tauri.conf.json (bundle.linux): runtime
# dependencies, the desktop entry, the icons from icons/, and /usr/bin/keyward.
# AppImage is not built: its bundler downloads its tools while building (no offline build).
# Usage: scripts/package.sh [deb,rpm]   (the bundles to build; default both)
set -euo pipefail
cd "$(dirname "$0")/.."
bundles=${1:-deb,rpm}

tauri=ui/node_modules/.bin/tauri # @tauri-apps/cli, pinned in ui/package.json
if [ ! -x "$tauri" ]; then
  echo "package: installing the UI's npm packages (npm ci --prefix ui)"
  npm ci --prefix ui --no-audit --no-fund </dev/null
fi

version=$(cargo metadata --format-version 1 --no-deps |
  node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
    process.stdout.write(m.packages.find((p) => p.name === "keyward-desktop").version)')

# One cargo invocation for both binaries: built separately, cargo would resolve different
# features for the shared crates and compile those twice. The UI first: the app embeds ui/dist.
# Only when a UI source is newer than the built UI: rebuilt files (even identical) make cargo
# recompile the app, ~4 min with the release profile's LTO.
stale_ui=$(find ui/src ui/public ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts \
  ui/tsconfig.json ui/tsconfig.node.json ui/svelte.config.js -newer ui/dist/index.html -print -quit 2>/dev/null || echo missing)
if [ ! -f ui/dist/index.html ] || [ -n "$stale_ui" ]; then
  echo "==> npm run build --prefix ui"
  npm run build --prefix ui </dev/null
else
  echo "==> ui/dist is up to date"
fi
echo "==> cargo build --release -p keyward-desktop -p keyward-cli"
cargo build --release --locked -p keyward-desktop -p keyward-cli </dev/null

# `tauri bundle` compiles nothing: it patches the app binary with the bundle type, then writes
# the bundles from target/release (the CLI goes in through bundle.linux.*.files).
echo "==> tauri bundle --bundles $bundles (Keyward $version)"
rm -rf target/release/bundle
"$tauri" bundle --ci --bundles "$bundles" </dev/null

out=target/package
rm -rf "$out"
mkdir -p "$out"
shopt -s nullglob
for deb in target/release/bundle/deb/*.deb; do
  arch=$(dpkg-deb -f "$deb" Architecture)
  cp "$deb" "$out/keyward_${version}_${arch}.deb"
done
for rpm in target/release/bundle/rpm/*.rpm; do
  # Tauri names it <Product>-<version>-<release>.<arch>.rpm; keep release and arch.
  tail=${rpm##*/*-"$version"-}
  cp "$rpm" "$out/keyward-${version}-${tail}"
done
want=$(tr ',' '\n' <<<"$bundles" | grep -c .)
have=$(find "$out" -maxdepth 1 -type f \( -name '*.deb' -o -name '*.rpm' \) | wc -l)
[ "$have" -eq "$want" ] || {
  echo "package: expected $want package(s) in $out, found $have" >&2
  exit 1
}
ls -l "$out"
