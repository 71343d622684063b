#!/usr/bin/env bash
# collect: a snapshot of a snapshot root classifies the same; the live machine's snapshot classifies like
# the live run; collect refuses a non-empty directory and leaves identifying values out.
. "$SRCDIR/tests/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for root in "$SRCDIR"/tests/roots/*/; do
	name=$(basename "$root")
	[ -f "$root/dmesg.txt" ] || continue
	"$VIRTMODE" --root "$root" collect "$tmp/$name" >/dev/null 2>&1
	"$VIRTMODE" --root "$root" detect --json >"$tmp/$name.a.json"
	"$VIRTMODE" --root "$tmp/$name" detect --json >"$tmp/$name.b.json"
	check "$name: collected copy gives the same JSON" cmp "$tmp/$name.a.json" "$tmp/$name.b.json"
done
"$VIRTMODE" collect "$tmp/live" 2>"$tmp/err"; ok $? "collect the live machine"
check "live snapshot has cpuid.txt in cpuid -r format" grep -Eq '^   0x00000000 0x00: eax=0x[0-9a-f]{8} ebx=' "$tmp/live/cpuid.txt"
check "live snapshot has the forced-CPUID file" test -s "$tmp/live/cpuid-xen-forced.txt"
check "live snapshot has dmesg.txt or says why not" bash -c "test -s '$tmp/live/dmesg.txt' || grep -q '^dmesg.txt: ' '$tmp/live/.errors.txt'"
"$VIRTMODE" detect --json >"$tmp/live.a.json"
"$VIRTMODE" --root "$tmp/live" detect --json >"$tmp/live.b.json"
check "--root <collected> gives the live JSON" diff "$tmp/live.a.json" "$tmp/live.b.json"
check "no serial numbers or UUIDs" bash -c "! find '$tmp/live' -name '*serial*' -o -name '*uuid*' | grep -q ."
check "PID 1's environment keeps only container=" bash -c "! test -f '$tmp/live/proc/1/environ' || ! tr '\0' '\n' <'$tmp/live/proc/1/environ' | grep -v '^container=' | grep -q ."
check "the snapshot is small (< 2 MB)" bash -c "[ \$(du -sk '$tmp/live' | cut -f1) -lt 2048 ]"
"$VIRTMODE" collect "$tmp/live" 2>"$tmp/err"; rc=$?
ok $([ $rc = 2 ] && grep -q 'not empty' "$tmp/err" && echo 0 || echo 1) "collect refuses a non-empty directory (rc $rc)"
"$VIRTMODE" collect 2>/dev/null; ok $([ $? = 2 ] && echo 0 || echo 1) "collect without a directory is a usage error"
"$VIRTMODE" --root "$SRCDIR/tests/roots/xen-pvhvm-domu" collect -o "$tmp/snap.tar.gz"; ok $? "collect -o FILE.tar.gz"
mkdir "$tmp/unpacked" && tar -xzf "$tmp/snap.tar.gz" -C "$tmp/unpacked"
"$VIRTMODE" --root "$tmp/unpacked/snapshot" detect --json >"$tmp/tar.json"
check "the archive unpacks into snapshot/, which classifies the same" cmp "$tmp/tar.json" "$tmp/xen-pvhvm-domu.a.json"
check "no temporary directory is left behind" bash -c "! ls -d /tmp/virtmode-collect-* 2>/dev/null | grep -q ."
done_testing
