#!/usr/bin/env bash
# Build the .deb for Debian-based domestic Linux (统信UOS, 银河麒麟, Debian 12) from the
# PyInstaller bundle dist/yichuang (./yc build first):
#   packaging/deb/build_deb.sh [--fast]     → dist/yichuang_VERSION_ARCH.deb
# Installs the bundle as /opt/yichuang, the command /usr/bin/yichuang, a desktop entry
# and the icon. Removing or purging the package never touches the data: it lives in
# each user's data folder (~/.local/share/YiChuang), which no maintainer script knows.
# --fast: gzip -1 instead of xz (CI, where the package is only installed and tested).
# The hall's settings: /etc/yichuang/hall.json, a conffile (the IT person's edits survive
# upgrades; purge removes it). It ships without values; each workstation's first start
# takes the values put there into its settings.json (docs/operations.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
[ -x dist/yichuang/yichuang ] || { echo "build_deb: no dist/yichuang; run ./yc build first" >&2; exit 1; }
version="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)"
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" "$root/etc/yichuang" \
    "$root/usr/share/icons/hicolor/256x256/apps" "$root/usr/share/icons/hicolor/48x48/apps" \
    "$root/usr/share/doc/yichuang"
cp -a dist/yichuang "$root/opt/yichuang"
cat >"$root/usr/bin/yichuang" <<'SH'
#!/bin/sh
# 一窗通: the installed program in /opt/yichuang (data: ~/.local/share/YiChuang)
exec /opt/yichuang/yichuang "$@"
SH
chmod 755 "$root/usr/bin/yichuang"
cat >"$root/usr/share/applications/yichuang.desktop" <<'DESKTOP'
[Desktop Entry]
Type=Application
Name=YiChuang
Name[zh_CN]=一窗通
GenericName=Government service counter
GenericName[zh_CN]=政务服务窗口受理
Comment=一窗受理、材料核验、文书打印、排队叫号
Exec=/usr/bin/yichuang run
Icon=yichuang
Terminal=false
Categories=Office;
StartupWMClass=yichuang
DESKTOP
install -m 644 resources/icons/yichuang.png "$root/usr/share/icons/hicolor/256x256/apps/yichuang.png"
install -m 644 resources/icons/yichuang-48.png "$root/usr/share/icons/hicolor/48x48/apps/yichuang.png"
install -m 644 resources/fonts/wqy-microhei.LICENSE.txt "$root/usr/share/doc/yichuang/wqy-microhei.LICENSE.txt"
cat >"$root/etc/yichuang/hall.json" <<'HALL'
{
 "_说明": "本大厅设置：每台电脑首次启动一窗通时写入其设置（之后管理员在“设置 → 本大厅设置”中的修改优先）。填写示例见 /usr/share/doc/yichuang/hall.example.json；改后运行 yichuang config check 检查。"
}
HALL
chmod 644 "$root/etc/yichuang/hall.json"
cat >"$root/usr/share/doc/yichuang/hall.example.json" <<'HALL'
{
 "_说明": "城关镇便民服务中心，县信息中心 2026-12",
 "centre_code": "370982101",
 "workstation": "B7",
 "hall_name": "示范县城关镇便民服务中心",
 "hall_address": "示范县城关镇人民路88号",
 "hall_phone": "0538-1230100",
 "supervision_phone": "12345",
 "central_url": "postgresql://yc_370982101@10.1.2.3/yichuang",
 "central_sslmode": "verify-full",
 "printers": {"*": "HP_LaserJet_A4"},
 "receipt_format": "A4",
 "review_body": "示范县人民政府",
 "court": "示范县人民法院",
 "result_delivery": "窗口领取；申请人可选择邮寄送达"
}
HALL
echo "/etc/yichuang/hall.json" >"$root/DEBIAN/conffiles"
size_kb="$(du -sk "$root" | cut -f1)"
cat >"$root/DEBIAN/control" <<CONTROL
Package: yichuang
Version: ${version}
Architecture: ${arch}
Maintainer: YiChuang county IT <yichuang@localhost>
Installed-Size: ${size_kb}
Depends: libc6 (>= 2.31), libegl1, libgl1, libfontconfig1, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-render-util0, libxcb-image0, libxcb-xinerama0, libxcb-randr0
Recommends: cups-client, fonts-wqy-microhei
Section: misc
Priority: optional
Description: 一窗通 counter client for government service halls
 The desktop client at the counters of county and township service halls:
 one-window intake, material check against the item standard, printed notices,
 working-day deadlines, the hall queue and sync with the county.
CONTROL
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # a hall file with wrong values is named here; the workstations leave them out
    if [ -f /etc/yichuang/hall.json ]; then
        /opt/yichuang/yichuang config check /etc/yichuang/hall.json >/dev/null || \
            echo "yichuang: /etc/yichuang/hall.json 有误（见上），请改正后运行 yichuang config check" >&2
    fi
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
POSTINST
# postrm: nothing to undo beyond the package's own files; the users' data folders are
# left as they are on remove and on purge (a reinstall finds every case again).
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
exit 0
POSTRM
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
out="dist/yichuang_${version}_${arch}.deb"
compress=(-Zxz)
[ "${1:-}" = "--fast" ] && compress=(-Zgzip -z1)
fakeroot dpkg-deb "${compress[@]}" --build "$root" "$out" >/dev/null
echo "$out"
