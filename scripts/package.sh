#!/usr/bin/env bash
# Builds Keyward's Linux packages: the UI, the release binaries (the `keyward` CLI, then the
# desktop app through the Tauri bundler, which compiles it once and packs both), and puts
# them under target/package/ with Debian/RPM file names:
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

# The CLI first: the bundler copies target/release/keyward into the packages
# (bundle.linux.*.files) but only compiles the app's own package.
echo "==> cargo build --release -p keyward-cli"
cargo build --release --locked -p keyward-cli </dev/null

# `tauri build` runs build.beforeBuildCommand (the UI into ui/dist), compiles the app in
# release, patches the binary with the bundle type, then writes the bundles.
echo "==> tauri build --bundles $bundles (Keyward $version)"
rm -rf target/release/bundle
"$tauri" build --ci --bundles "$bundles" -- --locked </dev/null

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
