#!/usr/bin/env bash
# End to end: build PV guests, convert them, boot the results in QEMU (TCG) and assert that the guest's
# initramfs found its root by the LABEL=/UUID= the rewritten boot config names and saw a rewritten fstab.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/convert/guest.sh"
set -u
command -v qemu-system-x86_64 >/dev/null || { echo "1..0 # SKIP qemu-system-x86_64 not installed"; exit 0; }
W=$(mktemp -d "${TMPDIR:-/tmp}/vm-convert-boot.XXXXXX")
trap 'rm -rf "$W"' EXIT
V=$VIRTMODE
marker() { grep -a '^VIRTMODE-BOOT-' "$1" | head -1 | tr -d '\r'; }
t() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

# 1. ext4, grub2-style grub.cfg (pvgrub2 "set root='xen/xvda'") plus menu.lst; root by UUID.
guest_image grub2 ext4 "$W/a.img" 1G || { echo "Bail out! cannot build guest image"; exit 1; }
uuid=$(dumpe2fs -h "$W/a.img" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')
t0=$(t); "$V" convert -q "$W/a.img" "$W/a-hvm.img" >/dev/null; rc=$?; t1=$(t)
ok $rc "ext4 grub2 guest converted in $(secs "$t0" "$t1") s"
guest_boot "$W/a-hvm.img" "$W/a.log" 300; t2=$(t)
m=$(marker "$W/a.log")
echo "# boot: $(secs "$t1" "$t2") s: ${m:-no marker; last line: $(tail -1 "$W/a.log")}"
case $m in "VIRTMODE-BOOT-OK root=/dev/sda1 spec=UUID=$uuid fstab=UUID=$uuid cfg=grub.cfg") ok 0 "ext4 grub2 guest boots as HVM, root by UUID" ;;
	*) ok 1 "ext4 grub2 guest boots as HVM, root by UUID"; tail -20 "$W/a.log" | sed 's/^/#   /' ;; esac
rm -f "$W/a.img" "$W/a-hvm.img"

# 2. ext3 with only a GRUB legacy menu.lst (AWS PV-GRUB): GRUB 2 boots it through legacy_configfile;
#    --label / names the root LABEL=/ and sets the label.
guest_image legacy ext3 "$W/b.img" 1G || { echo "Bail out! cannot build guest image"; exit 1; }
t0=$(t); "$V" convert -q --label / "$W/b.img" "$W/b-hvm.img" >/dev/null; rc=$?; t1=$(t)
ok $rc "ext3 menu.lst-only guest converted in $(secs "$t0" "$t1") s"
guest_boot "$W/b-hvm.img" "$W/b.log" 300; t2=$(t)
m=$(marker "$W/b.log")
echo "# boot: $(secs "$t1" "$t2") s: ${m:-no marker; last line: $(tail -1 "$W/b.log")}"
case $m in "VIRTMODE-BOOT-OK root=/dev/sda1 spec=LABEL=/ fstab=LABEL=/ cfg=menu.lst") ok 0 "ext3 legacy guest boots as HVM through legacy_configfile, root by LABEL=/" ;;
	*) ok 1 "ext3 legacy guest boots as HVM through legacy_configfile, root by LABEL=/"; tail -20 "$W/b.log" | sed 's/^/#   /' ;; esac
rm -f "$W/b.img" "$W/b-hvm.img"

# 3. Grown with --size, verified by virtmode's own --verify boot.
GUEST_PAYLOAD=0 guest_image grub2 ext4 "$W/c.img" 256M || { echo "Bail out! cannot build guest image"; exit 1; }
t0=$(t); "$V" convert -q --size 3G --verify --verify-timeout 300 --json "$W/c.img" "$W/c-hvm.img" >"$W/c.json"; rc=$?; t1=$(t)
ok $rc "--size 3G --verify: converted, booted and mounted its root ($(secs "$t0" "$t1") s with the boot)"
blocks=$(dumpe2fs -h "$W/c-hvm.img?offset=1048576" 2>/dev/null | sed -n 's/^Block count: *//p')
bsz=$(dumpe2fs -h "$W/c-hvm.img?offset=1048576" 2>/dev/null | sed -n "s/^Block size: *//p")
ok $([ "$(stat -c %s "$W/c-hvm.img")" = $((3 << 30)) ] && [ "${blocks:-0}" = $(( ((3 << 30) - 1048576) / ${bsz:-4096} )) ] && echo 0 || echo 1) \
	"disk is 3 GiB and the filesystem fills partition 1 ($blocks blocks)"
check "grown filesystem is clean (e2fsck -fn)" e2fsck -fn "$W/c-hvm.img?offset=1048576"
log=$(python3 -c "import json; d=json.load(open('$W/c.json')); v=d['verify']; assert v['root_mounted'] and v['kernel_started']; print(v['console_log'])")
ok $? "--verify --json reports the kernel started and mounted the root filesystem"
m=$(marker "${log:-/dev/null}")
case $m in VIRTMODE-BOOT-OK*) ok 0 "grown guest's initramfs found its root: $m" ;; *) ok 1 "grown guest's initramfs found its root"; tail -20 "${log:-/dev/null}" | sed 's/^/#   /' ;; esac
rm -f "${log:-}"

# 4. --verify reports a boot that does not reach the root filesystem (exit 4): a guest whose initramfs
#    is garbage, so the kernel starts and then cannot mount its root.
GUEST_PAYLOAD=0 GUEST_BROKEN_INITRD=1 guest_image grub2 ext4 "$W/d.img" 128M || { echo "Bail out! cannot build guest image"; exit 1; }
"$V" convert -q --verify --verify-timeout 120 "$W/d.img" "$W/d-hvm.img" >"$W/d.out" 2>&1; rc=$?
ok $([ $rc = 4 ] && grep -q 'verify: FAILED' "$W/d.out" && grep -q 'did not mount the root' "$W/d.out" && echo 0 || echo 1) \
	"--verify: a kernel that cannot mount its root is reported (exit $rc, want 4)"
[ $rc = 4 ] || sed 's/^/#   /' "$W/d.out" | head
ok $([ -f "$W/d-hvm.img" ] && echo 0 || echo 1) "the image is still written when the verify boot fails"
rm -f "$(sed -n 's/^  console log: //p' "$W/d.out")"
done_testing
