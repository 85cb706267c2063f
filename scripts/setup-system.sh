#!/usr/bin/env bash
# Installs every system package Keyward needs to build, run and test on Debian 12 / Ubuntu.
# Idempotent: packages already present are skipped quickly. Usage: setup-system.sh [run|test]
set -euo pipefail
mode=${1:-test}

build_pkgs=(build-essential pkg-config curl file libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  nodejs npm)
# xvfb/xauth: `make run` on a headless machine runs the app on a virtual display.
run_pkgs=(gnome-keyring dbus dbus-x11 libsecret-tools xvfb xauth)
test_pkgs=(xclip webkit2gtk-driver imagemagick fonts-dejavu-core sqlite3 x11-utils)
# The package test (scripts/test-package.sh): desktop-file-validate, and rpm to read the .rpm.
# The Tauri bundler itself needs neither dpkg-dev nor rpmbuild: it writes both formats itself.
test_pkgs+=(desktop-file-utils rpm)
# Teams (issue 15): crates/test-postgres runs a throwaway server from Debian's postgresql.
test_pkgs+=(postgresql)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
[ "$mode" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
# node and npm may come from elsewhere than Debian (the machine image ships them); accept any.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
[ ${#missing[@]} -eq 0 ] && { echo "setup-system: all packages present"; exit 0; }

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
