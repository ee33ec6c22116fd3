#!/usr/bin/env bash
# Install the .deb here (root), start the installed program, remove it, and check that
# the data stays:  packaging/deb/test_deb.sh dist/yichuang_VERSION_ARCH.deb
# 1. dpkg -i; /usr/bin/yichuang and /opt/yichuang exist, the desktop entry validates
# 2. `yichuang selftest` offscreen from /opt/yichuang (exit 0)
# 3. the installed program starts to its sign-in dialog on a data folder and makes it
#    (database, log); `yichuang backup` writes a backup
# 4. dpkg --purge: /opt/yichuang and /usr/bin/yichuang gone, the data folder intact
# 5. dpkg -i again: the same database opens (its cases are there)
set -euo pipefail
deb="${1:?usage: test_deb.sh PACKAGE.deb}"
[ "$(id -u)" -eq 0 ] || { echo "test_deb: run as root (dpkg -i)" >&2; exit 1; }
data="$(mktemp -d)"
trap 'rm -rf "$data"; dpkg --purge yichuang >/dev/null 2>&1 || true' EXIT
export QT_QPA_PLATFORM=offscreen YICHUANG_NO_CRASH_DIALOG=1
fail() { echo "test_deb: FAIL $*" >&2; exit 1; }

dpkg -i "$deb" >/dev/null || { apt-get install -f -y -qq >/dev/null; dpkg -i "$deb" >/dev/null; }
[ -x /usr/bin/yichuang ] && [ -x /opt/yichuang/yichuang ] || fail "not installed"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate /usr/share/applications/yichuang.desktop || fail "desktop entry"
fi
echo "test_deb: installed $(dpkg-query -W -f='${Package} ${Version} ${Architecture} ${Installed-Size}KB' yichuang)"
/usr/bin/yichuang selftest || fail "selftest"
out="$(/usr/bin/yichuang run --data-dir "$data" --quit-at-signin)" || fail "start"
case "$out" in signin*) echo "test_deb: started to the sign-in dialog (${out#signin } s, first start)" ;; *) fail "no sign-in: $out" ;; esac
[ -f "$data/yichuang.sqlite3" ] && [ -f "$data/logs/yichuang.log" ] || fail "no database or log"
/usr/bin/yichuang --data-dir "$data" backup || fail "backup"
before="$(sha256sum "$data/yichuang.sqlite3" | cut -c1-16)"
dpkg --purge yichuang >/dev/null
[ ! -e /opt/yichuang ] && [ ! -e /usr/bin/yichuang ] || fail "files left after purge"
after="$(sha256sum "$data/yichuang.sqlite3" | cut -c1-16)"
[ "$before" = "$after" ] && ls "$data"/backups/manual-*.sqlite3 >/dev/null || fail "data changed by purge"
echo "test_deb: purged; the data folder is intact ($(du -sh "$data" | cut -f1))"
dpkg -i "$deb" >/dev/null
/usr/bin/yichuang --data-dir "$data" backup --list | grep -q manual || fail "reinstall does not see the data"
/usr/bin/yichuang run --data-dir "$data" --quit-at-signin >/dev/null || fail "restart after reinstall"
echo "test_deb: reinstalled; the same data opens. all passed"
