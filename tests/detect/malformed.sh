#!/usr/bin/env bash
# Malformed evidence never crashes detect: each case is a copy of a real root with one thing broken, and the
# run must still give a verdict (exit 0 or 1, valid JSON) — plus what the case is about.
. "$SRCDIR/tests/lib.sh"
R="$SRCDIR/tests/roots"
tmp=$(mktemp -d); chmod 755 "$tmp"; trap 'rm -rf "$tmp"' EXIT

fresh() { rm -rf "$tmp/r"; cp -a "$R/$1" "$tmp/r"; chmod -R u+w "$tmp/r"; }
run() { timeout 20 "$VIRTMODE" --root "$tmp/r" detect --json >"$tmp/out.json" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
verdict() { # DESCRIPTION: the last run exited 0/1 with valid JSON
	local rc; rc=$(cat "$tmp/rc")
	ok $([ "$rc" -le 1 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out.json" 2>/dev/null && echo 0 || echo 1) "$1: a verdict (rc $rc)"
	[ "$rc" -le 1 ] || sed 's/^/#   /' "$tmp/err" | head -5
}
field() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/out.json" "$1"; }

fresh xen-pvhvm-domu; head -c 700 "$R/xen-pvhvm-domu/proc/cpuinfo" >"$tmp/r/proc/cpuinfo"; run
verdict "truncated cpuinfo"
check "truncated cpuinfo: still xen pvhvm" test "$(field 'j["hypervisor"], j["xen"]["mode"]')" = "('xen', 'pvhvm')"

fresh xen-pvhvm-domu
for f in sys/hypervisor/properties/features sys/hypervisor/guest_type sys/devices/virtual/dmi/id/sys_vendor \
	sys/devices/system/clocksource/clocksource0/current_clocksource proc/interrupts; do
	head -c 4096 /dev/urandom >"$tmp/r/$f"
done
printf 'HVM\0\001\033[31m\n' >"$tmp/r/sys/hypervisor/guest_type"
run; verdict "binary garbage in sysfs files"
check "binary garbage: no control characters reach the output" bash -c "! LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' '$tmp/out.json'"
check "binary garbage: the human output is clean too" bash -c "'$VIRTMODE' --root '$tmp/r' detect --explain | LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]'; [ \$? = 1 ]"

fresh xen-pvhvm-domu
{ cat "$R/xen-pvhvm-domu/dmesg.txt"; yes '[   99.999999] a kernel message that repeats to make the log one hundred megabytes long' | head -c 100M; } >"$tmp/r/dmesg.txt"
start=$(date +%s%N); run; ms=$(( ($(date +%s%N) - start) / 1000000 ))
verdict "a 100 MB dmesg"
ok $([ $ms -lt 5000 ] && echo 0 || echo 1) "a 100 MB dmesg is read fast (${ms} ms, capped)"
check "a 100 MB dmesg: reported as truncated, markers at its start still found" test "$(field 'j["dmesg_truncated"], j["xen"]["mode"]')" = "(True, 'pvhvm')"

fresh xen-pvhvm-domu
rm "$tmp/r/sys/class/net/eth0" "$tmp/r/sys/block/xvda"
ln -s eth0 "$tmp/r/sys/class/net/eth0"
ln -s ../block/xvda "$tmp/r/sys/block/xvda"
ln -s ../../../../../../../../../../etc "$tmp/r/sys/class/net/escape"
rm -rf "$tmp/r/sys/class/dmi/id"; ln -s /etc "$tmp/r/sys/class/dmi/id"
run; verdict "symlink loops and links pointing out of the root"
check "links out of the root are read inside it (no host DMI)" test "$(field 'j["hypervisor"]')" = xen

fresh xen-pvhvm-domu
rm -f "$tmp/r/dmesg.txt" "$tmp/r/sys/hypervisor/type"; mkfifo "$tmp/r/dmesg.txt" "$tmp/r/sys/hypervisor/type"
run; verdict "FIFOs instead of files (no hang)"
check "FIFOs: listed as unreadable" bash -c "grep -q '\"path\": \"dmesg (kernel log)\"' '$tmp/out.json'"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	fresh xen-pvhvm-domu; chmod -R a+rX "$tmp/r"; chmod 000 "$tmp/r/proc/cpuinfo" "$tmp/r/proc/xen/capabilities"
	timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups "$VIRTMODE" --root "$tmp/r" detect --json >"$tmp/out.json" 2>"$tmp/err"; echo $? >"$tmp/rc"
	verdict "unreadable files (as nobody)"
	check "unreadable files are reported with the reason" bash -c "grep -A1 '\"path\": \"proc/cpuinfo\"' '$tmp/out.json' | grep -q 'Permission denied'"
	check "unreadable files lower the confidence" test "$(field 'j["confidence"]')" = medium
else
	ok 0 "# SKIP unreadable files need root to switch to nobody"
fi

fresh xen-pvhvm-domu; printf 'CPU:\n   0x40000000 0x00: eax=0xZZ\n\xff\xfe\n   0x1 0x0: eax=0x1 ebx=0x2 ecx=0x80000000 edx=0x0\n' >"$tmp/r/cpuid.txt"
run; verdict "garbage in cpuid.txt"

rm -rf "$tmp/r"; mkdir "$tmp/r"; run; verdict "an empty root"
check "an empty root: none, low confidence" test "$(field 'j["hypervisor"], j["confidence"]')" = "('none', 'low')"
done_testing
