#!/usr/bin/env bash
# `virtmode check` on real Debian 12 guests whose initramfs and resume configuration were made by
# Debian's own tools (initramfs-tools in the guest, through chroot):
#   - MODULES=dep, built on a host whose disk is not IDE/AHCI: the initramfs holds no driver for the
#     disk a Xen HVM machine presents -> check blocks (reason, fix, target named), convert refuses;
#     the same guest with MODULES=most is not blocked for its initramfs.
#   - hibernation to a swap partition on another disk (/dev/xvdb1 in RESUME=, resume= and fstab)
#     -> check reports the device that lies outside the image.
# usage: check-refusals.sh   (TAP; env VIRTMODE, SRCDIR, BUILDDIR as meson sets them)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-distro.sh"
. "$DISTRO_SRC/tests/lib.sh"

distro_need_root
distro_skip_unless_implemented check

w=$DISTRO_WORK/refusals
mkdir -p "$w"
most=$w/most.img dep=$w/dep.img res=$w/resume.img

check "build the systemd guest with MODULES=most" "$here/build-guest.sh" systemd "$most"
check "build the systemd guest with MODULES=dep (no IDE/AHCI driver)" \
	"$here/build-guest.sh" --modules dep systemd "$dep"
check "build the systemd guest resuming from /dev/xvdb1" "$here/build-guest.sh" --resume /dev/xvdb1 systemd "$res"

# json_get FILE EXPR: evaluates a Python expression over the parsed document `d`; prints the result.
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# every string in the document, one a line (the schema's nesting is the inspect engineer's to choose)
json_strings() {
	python3 -c '
import json, sys
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items(): yield str(k); yield from walk(v)
    elif isinstance(o, list):
        for v in o: yield from walk(v)
    else: yield str(o)
print("\n".join(walk(json.load(open(sys.argv[1])))))' "$1" >"$1.strings" 2>/dev/null
	cat "$1.strings" # (not piped into grep -q directly: with pipefail, its early exit is a failure)
}

# --- MODULES=dep ------------------------------------------------------------------------------
"$VIRTMODE" check "$dep" >"$w/dep.txt" 2>&1; rc=$?
sed 's/^/#   /' "$w/dep.txt" | head -40
ok $([ $rc = 1 ] && grep -qi 'blocked' "$w/dep.txt" && echo 0 || echo 1) \
	"check MODULES=dep guest: verdict blocked, exit 1 (exit $rc)"
ok $(grep -Eqi 'ata_piix|ahci|IDE' "$w/dep.txt" && echo 0 || echo 1) \
	"check MODULES=dep guest: names the missing IDE/AHCI driver"
ok $(grep -q 'MODULES=most' "$w/dep.txt" && echo 0 || echo 1) \
	"check MODULES=dep guest: gives the fix (MODULES=most)"
ok $(grep -q 'xen-hvm' "$w/dep.txt" && echo 0 || echo 1) "check MODULES=dep guest: says it checked xen-hvm"

"$VIRTMODE" check --json "$dep" >"$w/dep.json" 2>"$w/dep.json.err"
ok $(json_get "$w/dep.json" 'd.get("verdict")' 2>/dev/null | grep -qx blocked && echo 0 || echo 1) \
	"check --json MODULES=dep guest: \"verdict\": \"blocked\""
ok $(json_strings "$w/dep.json" >/dev/null; grep -qx 'initramfs-no-disk-driver' "$w/dep.json.strings" && echo 0 || echo 1) \
	"check --json MODULES=dep guest: blocker initramfs-no-disk-driver"

# dep took the drivers of the disk the image was built on: on a virtio host the same initramfs is
# enough for KVM, so check must judge per target, not per MODULES= setting.
if [ -e /sys/block/vda ]; then
	"$VIRTMODE" check --target kvm "$dep" >"$w/dep-kvm.txt" 2>&1; rc=$?
	ok $([ $rc = 0 ] && grep -q 'kvm' "$w/dep-kvm.txt" && ! grep -q 'initramfs-no-disk-driver' "$w/dep-kvm.txt" &&
		echo 0 || echo 1) "check --target kvm MODULES=dep guest (virtio_blk inside): not blocked (exit $rc)"
fi

rm -f "$w/dep-hvm.img"
"$VIRTMODE" convert "$dep" "$w/dep-hvm.img" >"$w/dep-convert.txt" 2>&1; rc=$?
ok $([ $rc != 0 ] && [ ! -e "$w/dep-hvm.img" ] && echo 0 || echo 1) \
	"convert MODULES=dep guest: refused (exit $rc), no output written"
ok $(grep -Eqi 'ata_piix|ahci|IDE|MODULES' "$w/dep-convert.txt" && echo 0 || echo 1) \
	"convert MODULES=dep guest: says why"

# --- the control: MODULES=most ---------------------------------------------------------------
"$VIRTMODE" check --json "$most" >"$w/most.json" 2>"$w/most.json.err"
v=$(json_get "$w/most.json" 'd.get("verdict")' 2>/dev/null)
ok $([ -n "$v" ] && [ "$v" != blocked ] && echo 0 || echo 1) "check MODULES=most guest: not blocked (verdict $v)"
ok $(json_strings "$w/most.json" >/dev/null; grep -q 'initramfs-no-disk-driver' "$w/most.json.strings" && echo 1 || echo 0) \
	"check MODULES=most guest: no initramfs-no-disk-driver blocker"

# --- resume on another disk -------------------------------------------------------------------
"$VIRTMODE" check "$res" >"$w/resume.txt" 2>&1
sed 's/^/#   /' "$w/resume.txt" | grep -i -e resume -e xvdb -e swap | head -10
ok $(grep -q '/dev/xvdb1' "$w/resume.txt" && echo 0 || echo 1) "check resume guest: reports /dev/xvdb1"
ok $(grep -i 'xvdb1' "$w/resume.txt" | grep -Eqi 'resume|swap' && echo 0 || echo 1) \
	"check resume guest: says it is the resume/swap device"
"$VIRTMODE" check --json "$res" >"$w/resume.json" 2>"$w/resume.json.err"
ok $(json_strings "$w/resume.json" >/dev/null; grep -q '/dev/xvdb1' "$w/resume.json.strings" && echo 0 || echo 1) \
	"check --json resume guest: reports /dev/xvdb1"

[ "${DISTRO_KEEP:-0}" = 1 ] || rm -f "$most" "$dep" "$res"
done_testing
