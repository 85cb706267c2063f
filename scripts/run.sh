#!/usr/bin/env bash
# Starts the built desktop app on its defaults (SQLite inventory + the OS keychain).
# On a desktop it just runs it. On a headless machine it provides what a desktop would:
#  - no session bus: a private one (dbus-run-session, with no service activation, so nothing
#    is started behind our back) and on it an unlocked gnome-keyring whose login keyring lives
#    in ~/.local/share/keyrings as usual. Its password comes from $KEYWARD_KEYRING_PASSWORD or
#    is asked for (the first time, it becomes the new login keyring's password);
#  - no $DISPLAY: a virtual display (xvfb-run -a): the app runs, but no window is visible.
# Everything started here is stopped when the app exits. Usage: scripts/run.sh [app args...]
set -euo pipefail
cd "$(dirname "$0")/.."
app=${KEYWARD_APP:-target/debug/keyward-desktop} # KEYWARD_APP: another binary (for testing this script)
[ -x "$app" ] || { echo "run: $app is not built: run 'make build' first" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyward-run.XXXXXX")
keyring_pid=""
cleanup() {
  if [ -n "$keyring_pid" ]; then
    kill -TERM "$keyring_pid" 2>/dev/null || true
    wait "$keyring_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The desktop entry's allocator settings: the app then starts once, as it does from the menu
# (without them it restarts itself to get them; src-tauri/src/wiping_allocators.rs).
read -ra entry_env <<<"$(sed -n 's/^Exec=env \(.*\) {{exec}}$/\1/p' src-tauri/keyward.desktop)"
[ ${#entry_env[@]} -gt 0 ] || { echo "run: no Exec=env … line in src-tauri/keyward.desktop" >&2; exit 1; }

run_app() {
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "run: no \$DISPLAY: running under xvfb-run -a (a virtual display; no window will be" \
      "visible). Stop it with Ctrl-C."
    # Without a GPU device WebKit's DMA-BUF renderer paints a blank window under Xvfb.
    WEBKIT_DISABLE_DMABUF_RENDERER=1 xvfb-run -a env "${entry_env[@]}" "$app" "$@"
  else
    env "${entry_env[@]}" "$app" "$@"
  fi
}

dbus_bool() { # dbus_bool ARGS...: the boolean a dbus-send --print-reply call answers
  dbus-send --print-reply "$@" 2>/dev/null | awk '$1 == "boolean" || $2 == "boolean" { print $NF }'
}

if [ "${1:-}" = --in-private-session ]; then
  shift
  pw=${KEYWARD_KEYRING_PASSWORD:-}
  if [ -z "$pw" ]; then
    if [ ! -t 0 ]; then
      echo "run: headless and no terminal to ask for the keyring password: set" \
        "KEYWARD_KEYRING_PASSWORD" >&2
      exit 1
    fi
    read -rsp "run: password of your login keyring (a new one is created with it if there is none): " pw
    echo
  fi
  # No $DISPLAY for the keyring: a locked keyring with a display waits forever for a dialog.
  printf '%s' "$pw" | env -u DISPLAY -u WAYLAND_DISPLAY \
    gnome-keyring-daemon --foreground --unlock --components=secrets >"$tmp/keyring.log" 2>&1 &
  keyring_pid=$!
  unset pw
  state=""
  for _ in $(seq 500); do # 10 s
    kill -0 "$keyring_pid" 2>/dev/null || break
    if [ "$(dbus_bool --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets)" = true ]; then
      state=$(dbus_bool --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
        org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked)
      [ -n "$state" ] && break
    fi
    sleep 0.02
  done
  if [ "$state" != false ]; then
    echo "run: the keyring did not come up unlocked (wrong password for" \
      "~/.local/share/keyrings/login.keyring?). Its log:" >&2
    tail -n 20 "$tmp/keyring.log" >&2 || true
    exit 1
  fi
  echo "run: keyring unlocked (gnome-keyring PID $keyring_pid)"
  export NO_AT_BRIDGE=1 # no accessibility bus on a private session
  run_app "$@"
  exit
fi

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ]; then
  echo "run: no D-Bus session (headless machine): starting one with dbus-run-session and an" \
    "unlocked gnome-keyring on it, so that the app can reach a keychain"
  cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  dbus-run-session --config-file="$tmp/bus.conf" -- "$PWD/scripts/run.sh" --in-private-session "$@"
else
  run_app "$@"
fi
