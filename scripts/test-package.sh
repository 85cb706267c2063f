#!/usr/bin/env bash
# The package test: Keyward as a user gets it. Builds the packages (scripts/package.sh; set
# KEYWARD_PACKAGE_PREBUILT=1 to test the ones already in target/package/), then on THIS machine
# (root, or passwordless sudo; Debian/Ubuntu):
#   1. checks the .deb's metadata (name, version = the Cargo workspace's, dependencies), that
#      every library the binaries link comes with a declared dependency, and the .rpm's file
#      list, version and requirements;
#   2. installs it with `apt-get install ./keyward_<version>_<arch>.deb`;
#   3. checks the desktop entry (desktop-file-validate), its Exec on the PATH, its icon in
#      every hicolor size at the right dimensions, /usr/bin/keyward;
#   4. with a throwaway home, a private X display (Xvfb), a private D-Bus and an unlocked
#      gnome-keyring: stores a key with the installed `keyward`, starts the installed app the
#      way the desktop entry does, waits until it shows the inventory, takes a screenshot
#      (artifacts/package/window.png; fails if blank), runs the installed `keyward doctor`;
#   5. purges the package and checks that none of its files is left, and that the user's data
#      (inventory in ~/.local/share/keyward, keyring) is still there; the canary key's value
#      must appear in none of the files or logs.
# Every process it starts is stopped by PID; their output goes to log files, copied to
# artifacts/package/logs/ on failure. The package is purged on exit even if a step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

die() {
  echo "test-package: FAIL: $*" >&2
  exit 1
}
step() { echo "test-package: $*"; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || die "needs root or passwordless sudo (it installs and purges the package)"
  SUDO=(sudo -n)
fi
missing=()
for tool in apt-get dpkg-deb dpkg-query Xvfb dbus-daemon dbus-send gnome-keyring-daemon xwininfo \
  import identify desktop-file-validate rpm readelf flock node; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "not on PATH: ${missing[*]} (make setup installs them:" \
  "apt-get install xvfb dbus gnome-keyring x11-utils imagemagick desktop-file-utils rpm binutils)"

artifacts=$root/artifacts/package
rm -rf "$artifacts"
mkdir -p "$artifacts"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keyward-package.XXXXXX")
chmod 755 "$tmp" # apt's _apt user reads the .deb from here
started=()       # PIDs this script started, in start order
installed=false

descendants() { # every process below PID $1, children first
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    descendants "$child"
    echo "$child"
  done
}
stop_tree() { # SIGTERM PID $1 and everything below it; SIGKILL what is left after 3 s
  local pids=() pid
  pids=($(descendants "$1") "$1")
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 150); do
    local left=0
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; then
        left=1
      fi
    done
    [ $left -eq 0 ] && break
    sleep 0.02
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait "$1" 2>/dev/null || true
}
apt() { # apt ARGS...: apt-get, waiting for the dpkg lock rather than failing on it
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"
}
cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_tree "${started[i]}"; done
  if $installed; then
    echo "test-package: purging keyward after a failure" >&2
    apt purge keyward >>"$tmp/apt.log" 2>&1 || echo "test-package: apt-get purge keyward failed" >&2
  fi
  if [ "$rc" -ne 0 ]; then
    mkdir -p "$artifacts/logs"
    cp "$tmp"/*.log "$artifacts/logs/" 2>/dev/null || true
    echo "test-package: FAILED (exit $rc); logs in $artifacts/logs/" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a daemon with stdin from /dev/null and its output appended to log $1.
pdeath=()
command -v setpriv >/dev/null 2>&1 && pdeath=(setpriv --pdeathsig TERM --)
spawn() {
  local log=$1
  shift
  "${pdeath[@]}" "$@" </dev/null >>"$log" 2>&1 &
  started+=($!)
  last_pid=$!
}
wait_for() { # wait_for SECONDS WHAT PID COMMAND...: polls COMMAND every 20 ms
  local secs=$1 what=$2 pid=$3 i
  shift 3
  for ((i = 0; i < secs * 50; i++)); do
    "$@" 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then die "$what: the process exited"; fi
    sleep 0.02
  done
  die "$what: not ready after ${secs} s"
}

# One package test at a time on this machine: they share the system's package database.
exec 9>/tmp/keyward-package-test.lock # a fixed path: the package database is machine-wide
flock -w 900 9 || die "another package test has held the lock for 15 minutes"
if grep -q installed <<<"$(dpkg-query -W -f='${Status}' keyward 2>/dev/null || true)"; then
  die "a keyward package is already installed on this machine; this test installs and purges" \
    "its own: remove it first (apt-get purge keyward)"
fi

# --- 1. build, and what the packages declare ----------------------------------------------
version=$(cargo metadata --format-version 1 --no-deps |
  node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
    process.stdout.write(m.packages.find((p) => p.name === "keyward-desktop").version)')
if [ "${KEYWARD_PACKAGE_PREBUILT:-}" != 1 ]; then
  bash scripts/package.sh deb,rpm
fi
bash scripts/icons.sh --check
arch=$(dpkg --print-architecture)
deb=$root/target/package/keyward_${version}_${arch}.deb
[ -f "$deb" ] || die "$deb is missing (scripts/package.sh builds it)"
rpm_files_found=$(find target/package -maxdepth 1 -name "keyward-${version}-*.rpm")
rpm_file=${rpm_files_found%%$'\n'*}
[ -n "$rpm_file" ] || die "no target/package/keyward-${version}-*.rpm"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = keyward ] || die "the .deb's Package is '$(field Package)', not keyward"
[ "$(field Version)" = "$version" ] ||
  die "the .deb's Version $(field Version) is not the Cargo workspace's $version"
depends=$(field Depends)
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3; do
  grep -Eq "(^|[ ,|])$dep([ ,(|]|$)" <<<"$depends" || die "Depends lacks $dep: $depends"
done
grep -q gnome-keyring <<<"$(field Recommends)" || die "Recommends lacks gnome-keyring"
step "deb: $(field Package) $(field Version) ($(du -k "$deb" | cut -f1) KiB); Depends: $depends;" \
  "Recommends: $(field Recommends)"

# Every shared library the two binaries need must come from a package the .deb depends on
# (directly or through those packages' own dependencies).
mkdir -p "$tmp/deb"
dpkg-deb -x "$deb" "$tmp/deb"
for bin in keyward keyward-desktop; do
  [ -x "$tmp/deb/usr/bin/$bin" ] || die "the .deb has no executable /usr/bin/$bin"
done
closure=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances \
  $(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/ //g' | grep .) 2>/dev/null |
  grep -E '^[a-z0-9]' | sed 's/:.*//' | sort -u)
package_of() { # the package that installed file $1 (merged /usr: dpkg may know it by either name)
  local real candidates c owners
  real=$(realpath "$1")
  candidates=("$1" "$real" "${real#/usr}" "/usr${1#/usr}")
  for c in "${candidates[@]}"; do
    owners=$(dpkg -S "$c" 2>/dev/null) || continue
    owners=${owners%%$'\n'*}
    printf '%s\n' "${owners%%:*}"
    return 0
  done
}
# The whole cache once, read into a variable: piped straight into an awk that exits at the
# first match, ldconfig dies of SIGPIPE under pipefail whenever awk stops before it is done.
ld_cache=$(ldconfig -p)
for bin in keyward keyward-desktop; do
  for lib in $(readelf -d "$tmp/deb/usr/bin/$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(awk -v l="$lib" '$1 == l { print $NF; exit }' <<<"$ld_cache")
    [ -n "$path" ] || die "$bin needs $lib, which no installed package provides"
    owner=$(package_of "$path") || true
    [ -n "$owner" ] || die "$bin needs $lib ($path), which belongs to no package"
    grep -qx "$owner" <<<"$closure" || die "$bin needs $lib from $owner, which the .deb's" \
      "Depends ($depends) do not bring in"
  done
done
step "deb: every library keyward and keyward-desktop link is covered by Depends"

rpm_q() { rpm -qp --nosignature "$@" "$rpm_file" 2>/dev/null; }
[ "$(rpm_q --queryformat '%{NAME} %{VERSION}')" = "keyward $version" ] ||
  die "the .rpm is '$(rpm_q --queryformat '%{NAME} %{VERSION}')', not 'keyward $version'"
rpm_files=$(rpm_q -l)
for f in /usr/bin/keyward /usr/bin/keyward-desktop /usr/share/applications/Keyward.desktop \
  /usr/share/icons/hicolor/128x128/apps/keyward-desktop.png \
  /usr/share/icons/hicolor/256x256/apps/keyward-desktop.png; do
  grep -qx "$f" <<<"$rpm_files" || die "the .rpm lacks $f"
done
rpm_requires=$(rpm_q --requires | grep -v '^rpmlib(' | tr '\n' ' ')
for dep in 'libwebkit2gtk-4.1.so.0()(64bit)' 'libgtk-3.so.0()(64bit)' dbus-libs; do
  grep -qF "$dep" <<<"$rpm_requires" || die "the .rpm does not require $dep: $rpm_requires"
done
grep -qx gnome-keyring <<<"$(rpm_q --recommends)" || die "the .rpm does not recommend gnome-keyring"
step "rpm: keyward $version ($(du -k "$rpm_file" | cut -f1) KiB); Requires: $rpm_requires"

# --- 2. install --------------------------------------------------------------------------
cp "$deb" "$tmp/"
installed=true # from here on, the exit trap purges
apt install "$tmp/${deb##*/}" >>"$tmp/apt.log" 2>&1 || die "apt-get install ./${deb##*/} failed (apt.log)"
grep -q "install ok installed $version" <<<"$(dpkg-query -W -f='${Status} ${Version}\n' keyward)" ||
  die "keyward $version is not installed after apt-get install"
dpkg-query -L keyward | sort >"$tmp/files"
step "installed keyward $version: $(wc -l <"$tmp/files") paths"

# --- 3. desktop entry, icons, CLI on the PATH --------------------------------------------
[ "$(command -v keyward)" = /usr/bin/keyward ] || die "keyward on the PATH is '$(command -v keyward)', not /usr/bin/keyward"
[ "$(keyward --version)" = "keyward $version" ] || die "keyward --version says '$(keyward --version)'"
entries=($(grep -E '^/usr/share/applications/[^/]+\.desktop$' "$tmp/files"))
[ ${#entries[@]} -eq 1 ] || die "expected one desktop entry, the package has: ${entries[*]:-none}"
entry=${entries[0]}
desktop-file-validate "$entry" >"$tmp/desktop-file-validate.log" 2>&1 ||
  die "desktop-file-validate $entry: $(cat "$tmp/desktop-file-validate.log")"
key() { sed -n "/^$1=/{s/^$1=//p;q}" "$entry"; } # sed stops itself: no reader to outlive
[ "$(key Name)" = Keyward ] || die "$entry: Name=$(key Name)"
[ "$(key Type)" = Application ] || die "$entry: Type=$(key Type)"
# Exec is `env VAR=value… keyward-desktop`: the wiping allocators' settings, then the binary.
read -ra exec_words <<<"$(key Exec)"
exec_env=()
i=0
if [ "${exec_words[0]}" = env ]; then
  i=1
  while [[ ${exec_words[$i]:-} == *=* ]]; do
    exec_env+=("${exec_words[$i]}")
    i=$((i + 1))
  done
fi
exec_bin=${exec_words[$i]:-}
[ ${#exec_env[@]} -gt 0 ] || die "$entry: Exec=$(key Exec) sets no allocator settings (src-tauri/keyward.desktop)"
exec_path=$(command -v "$exec_bin") || die "$entry: Exec=$(key Exec): $exec_bin is not on the PATH"
[ "$exec_path" = /usr/bin/keyward-desktop ] || die "$entry: Exec runs $exec_path"
icon=$(key Icon)
icons=($(grep -E "^/usr/share/icons/hicolor/[^/]+/apps/$icon\.png$" "$tmp/files"))
[ ${#icons[@]} -ge 5 ] || die "icon '$icon': only ${#icons[@]} hicolor size(s): ${icons[*]:-none}"
sizes=()
for png in "${icons[@]}"; do
  dir=$(basename "$(dirname "$(dirname "$png")")") # e.g. 128x128 or 128x128@2
  size=${dir%@*}
  scale=1
  [[ $dir == *@* ]] && scale=${dir#*@}
  want="$((${size%x*} * scale))x$((${size#*x} * scale))"
  # A directory the hicolor theme does not list is never searched.
  grep -qxF "[$dir/apps]" /usr/share/icons/hicolor/index.theme ||
    die "$png: hicolor has no $dir/apps directory"
  got=$(identify -format '%wx%h' "$png")
  [ "$got" = "$want" ] || die "$png is $got, its directory says $want"
  sizes+=("$dir")
done
step "desktop entry $entry valid; Exec=$(key Exec) -> $exec_path; Icon=$icon in ${sizes[*]}"

# --- 4. first start, as a user would: throwaway home, display, bus and keyring -----------
home=$tmp/home
mkdir -p "$home" "$tmp/runtime"
chmod 700 "$tmp/runtime"
spawn "$tmp/xvfb.log" Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x800x24 3>"$tmp/display"
wait_for 10 Xvfb "$last_pid" test -s "$tmp/display"
display=":$(tr -dc '0-9' <"$tmp/display")"

cat >"$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
# No <servicedir>: nothing is ever started by D-Bus activation behind our back.
spawn "$tmp/dbus.log" dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile
wait_for 10 dbus-daemon "$last_pid" test -S "$tmp/bus.sock"
bus="unix:path=$tmp/bus.sock"

# The user's environment: nothing from ours but PATH (the installed binaries come from it).
user_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$tmp/runtime"
  DBUS_SESSION_BUS_ADDRESS="$bus" LANG=C.UTF-8 NO_AT_BRIDGE=1)
# gnome-keyring: unlocked with a password on stdin, creating the login keyring in the home.
printf '%s' package-test >"$tmp/keyring-password"
"${pdeath[@]}" "${user_env[@]}" gnome-keyring-daemon --foreground --unlock --components=secrets \
  <"$tmp/keyring-password" >>"$tmp/gnome-keyring.log" 2>&1 &
started+=($!)
keyring_pid=$!
dbus_bool() {
  dbus-send "--bus=$bus" --print-reply --reply-timeout=2000 "$@" </dev/null |
    awk '$1 == "boolean" || $2 == "boolean" { print $NF }' | tail -n 1
}
secrets_ready() {
  [ "$(dbus_bool --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets)" = true ] &&
    [ "$(dbus_bool --dest=org.freedesktop.secrets /org/freedesktop/secrets/aliases/default \
      org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection \
      string:Locked)" = false ]
}
wait_for 15 "gnome-keyring (unlocked)" "$keyring_pid" secrets_ready

# A key through the installed CLI: the window must then show it (one inventory for both).
canary="kwpkg_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s' "$canary" | "${user_env[@]}" keyward add --name "package test key" --env dev \
  --purpose "prove the package works" >"$tmp/cli.log" 2>&1 || die "installed keyward add failed (cli.log)"

step "starting $exec_bin (display $display)"
# WEBKIT_DISABLE_DMABUF_RENDERER: Xvfb has no DRM device; with it on the X window stays blank.
spawn "$tmp/app.log" "${user_env[@]}" DISPLAY="$display" GDK_BACKEND=x11 \
  WEBKIT_DISABLE_DMABUF_RENDERER=1 KEYWARD_LOG=info KEYWARD_READY_FILE="$tmp/ready" \
  "${exec_env[@]}" "$exec_bin"
app_pid=$last_pid
# The app writes the ready file once the window has painted its first inventory (app_ready).
wait_for 60 "the installed app's window (first inventory shown)" "$app_pid" test -s "$tmp/ready"
window_up() { grep -q '"Keyward"' <<<"$(DISPLAY="$display" xwininfo -root -tree)"; }
wait_for 10 "an X window titled Keyward" "$app_pid" window_up
sleep 1 # let WebKit finish painting
DISPLAY="$display" import -window root "$artifacts/window.png"
colors=$(identify -format '%k' "$artifacts/window.png")
stddev=$(identify -format '%[fx:int(standard_deviation*1000)]' "$artifacts/window.png")
# A blank or single-colour screen has a handful of colours and no spread.
[ "$colors" -ge 64 ] && [ "$stddev" -ge 20 ] ||
  die "the screenshot looks blank ($colors colours, deviation $stddev/1000): $artifacts/window.png"
step "window shown; screenshot $artifacts/window.png ($colors colours)"
# Started the desktop entry's way, the app has its wiping allocators without starting twice.
grep -qF "freed C and WebKit memory wiped: true (restarted for it: false)" "$tmp/app.log" ||
  die "started as its desktop entry says, the app did not report its allocators set without a restart (app.log)"
stop_tree "$app_pid"

"${user_env[@]}" keyward doctor >"$tmp/doctor.log" 2>&1 || die "installed keyward doctor failed: $(cat "$tmp/doctor.log")"
grep -q "consistency   ok" "$tmp/doctor.log" || die "keyward doctor: $(cat "$tmp/doctor.log")"
data_dir=$home/.local/share/keyward
grep -q "data dir      $data_dir" "$tmp/doctor.log" || die "keyward doctor's data dir is not $data_dir"
step "keyward doctor: ok ($(grep -c . "$tmp/doctor.log") lines)"
stop_tree "$keyring_pid"

# --- 5. purge: the package's files go, the user's data stays -----------------------------
apt purge keyward >>"$tmp/apt.log" 2>&1 || die "apt-get purge keyward failed (apt.log)"
installed=false
if grep -q installed <<<"$(dpkg-query -W -f='${Status}' keyward 2>/dev/null || true)"; then
  die "keyward is still installed after the purge"
fi
left=()
while IFS= read -r path; do
  # Shared directories (/usr/bin, /usr/share/icons/...) stay; the package's own must go.
  if [ -d "$path" ] && [ ! -L "$path" ]; then
    case "${path##*/}" in *[Kk]eyward*) ;; *) continue ;; esac
  fi
  if [ -e "$path" ] || [ -L "$path" ]; then left+=("$path"); fi
done <"$tmp/files"
[ ${#left[@]} -eq 0 ] || die "left behind after the purge: ${left[*]}"
[ -f "$data_dir/keyward.db" ] || die "the user's inventory $data_dir/keyward.db is gone after the purge"
[ -n "$(find "$home/.local/share/keyrings" -name '*.keyring' 2>/dev/null)" ] ||
  die "the user's keyring is gone after the purge"
step "purged: none of the package's $(wc -l <"$tmp/files") paths left; the user's data stays"

# The canary's value: in no file of the home (inventory, WAL, logs) and no log of this test.
hits=0
grep -rlaF "$canary" "$home/.local/share/keyward" "$tmp"/*.log >"$tmp/canary-hits" 2>&1 || hits=$?
# grep: 0 = found, 1 = not found, 2 = could not search (that is a failure too)
[ "$hits" -eq 1 ] || die "the key's value was found in (or grep failed): $(tr '\n' ' ' <"$tmp/canary-hits")"
step "PASS"
