#!/usr/bin/env bash
# virtmode convert vs the ways people do it by hand, on the same PV image, in one run:
#   virtmode   virtmode convert PV.img OUT (copy of used blocks + edits + GRUB: the whole job)
#   dd         the documented manual pipeline on a copy of the image: e2fsck -fy, resize2fs -M, dd of the
#              shrunk filesystem into partition 1 (conv=sparse), resize2fs back to the partition size
#              (copy, partitioning and edits not counted: it is already slower without them)
#   e2image    e2image -ra -O 1048576 into a partitioned file: the fastest copy e2fsprogs has (copy only)
# Prints times, ratios, and each output's allocated size next to the used data.
# Usage: bench/convert-vs-peers.sh [FS_SIZE (8G)] [USED_MB (1024)]   (VIRTMODE=path/to/virtmode)
# Targets (issue 4): >= 3x faster than dd, no slower than e2image, allocated output within 5% of used.
set -euo pipefail
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
VIRTMODE=${VIRTMODE:-$SRCDIR/build/src/virtmode}
[ -x "$VIRTMODE" ] || { echo "set VIRTMODE=path/to/virtmode (build first)" >&2; exit 2; }
FS_SIZE=${1:-8G}
USED_MB=${2:-1024}
. "$SRCDIR/tests/convert/guest.sh"
W=$(mktemp -d /tmp/vm-convert-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }
alloc() { echo $(( $(stat -c %b "$1") * 512 )); }
mib() { awk -v b="$1" 'BEGIN{printf "%.0f MiB", b/1048576}'; }

echo "building a $FS_SIZE ext4 PV image with ~$USED_MB MiB used in $W ..." >&2
guest_image grub2 ext4 "$W/pv.img" "$FS_SIZE"
# Age it: a long-lived volume has its data spread over the whole filesystem, not packed at the start
# as mke2fs -d leaves it. Write the rest of the data as 64 MiB files, each after a preallocated spacer,
# then delete the spacers (debugfs fallocate: blocks reserved without writing them).
base_mb=$(( $(dumpe2fs -h "$W/pv.img" 2>/dev/null | awk -F: '/^Block count/{b=$2} /^Free blocks/{f=$2} /^Block size/{s=$2} END{print int((b-f)*s/1048576)}') ))
nblob=$(( (USED_MB - base_mb) / 64 )); [ $nblob -ge 1 ] || nblob=1
fs_blocks=$(dumpe2fs -h "$W/pv.img" 2>/dev/null | sed -n 's/^Block count: *//p')
bsz=$(dumpe2fs -h "$W/pv.img" 2>/dev/null | sed -n 's/^Block size: *//p')
spacer=$(( (fs_blocks - USED_MB * 1048576 / bsz) / (nblob + 1) ))
head -c $((64 << 20)) /dev/urandom >"$W/blob"
{
	echo "mkdir /data"
	for k in $(seq 1 $nblob); do
		echo "write /dev/null /spacer$k"
		echo "fallocate /spacer$k 0 $((spacer - 1))"
		echo "write $W/blob /data/blob$k"
	done
	for k in $(seq 1 $nblob); do echo "rm /spacer$k"; done
} | debugfs -w "$W/pv.img" >/dev/null 2>&1
rm -f "$W/blob"
e2fsck -fn "$W/pv.img" >/dev/null 2>&1 || { echo "aged image is not clean" >&2; exit 1; }
bs=$(dumpe2fs -h "$W/pv.img" 2>/dev/null | sed -n 's/^Block size: *//p')
blocks=$(dumpe2fs -h "$W/pv.img" 2>/dev/null | sed -n 's/^Block count: *//p')
free=$(dumpe2fs -h "$W/pv.img" 2>/dev/null | sed -n 's/^Free blocks: *//p')
used=$(( (blocks - free) * bs ))
fsbytes=$(( blocks * bs ))
part_mib=$(( (fsbytes + 1048575) / 1048576 ))
sync; cat "$W/pv.img" >/dev/null # same (warm) page cache, nothing dirty, for every contender

# virtmode
t0=$(now); "$VIRTMODE" convert -q --json "$W/pv.img" "$W/out-virtmode.img" >"$W/vm.json"; t1=$(now)
t_vm=$(el "$t0" "$t1")
t_vmcopy=$(python3 -c "import json; print('%.2f' % json.load(open('$W/vm.json'))['disk']['copy_seconds'])")
a_vm=$(alloc "$W/out-virtmode.img"); rm -f "$W/out-virtmode.img"; sync

# e2image -ra into partition 1 of a fresh disk
truncate -s $(( (part_mib + 1) * 1048576 )) "$W/out-e2image.img"
echo "start=2048, size=$((part_mib * 2048)), type=83, bootable" | sfdisk -q "$W/out-e2image.img" >/dev/null
t0=$(now); e2image -ra -O 1048576 "$W/pv.img" "$W/out-e2image.img" 2>/dev/null; t1=$(now)
sync "$W/out-e2image.img"; t2=$(now)
t_e2=$(el "$t0" "$t1"); t_e2s=$(el "$t0" "$t2")
a_e2=$(alloc "$W/out-e2image.img"); rm -f "$W/out-e2image.img"; sync

# the manual dd pipeline, on a copy (resize2fs -M changes the filesystem it runs on)
cp --sparse=always "$W/pv.img" "$W/work.img"; sync
truncate -s $(( (part_mib + 1) * 1048576 )) "$W/out-dd.img"
echo "start=2048, size=$((part_mib * 2048)), type=83, bootable" | sfdisk -q "$W/out-dd.img" >/dev/null
t0=$(now)
e2fsck -fy "$W/work.img" >/dev/null 2>&1 || true
resize2fs -M "$W/work.img" >/dev/null 2>&1
min_blocks=$(dumpe2fs -h "$W/work.img" 2>/dev/null | sed -n 's/^Block count: *//p')
dd if="$W/work.img" of="$W/out-dd.img" bs=4M count=$(( min_blocks * bs )) iflag=count_bytes \
	seek=1048576 oflag=seek_bytes conv=sparse,notrunc status=none
resize2fs "$W/out-dd.img?offset=1048576" "$((part_mib))M" >/dev/null 2>&1 || true
sync "$W/out-dd.img"
t1=$(now)
t_dd=$(el "$t0" "$t1")
a_dd=$(alloc "$W/out-dd.img"); rm -f "$W/out-dd.img" "$W/work.img"

printf '\nimage: %s ext4 filesystem, %s used (block size %s), data spread over the whole filesystem\n' "$FS_SIZE" "$(mib $used)" "$bs"
printf 'all times end with the output on disk (fsync/sync), from a warm page cache\n\n'
printf '%-22s %8s %12s %14s\n' tool seconds "vs virtmode" allocated
printf '%-22s %8s %12s %14s  (%s vs used blocks)\n' "virtmode convert" "$t_vm" 1.00x "$(mib $a_vm)" "$(awk -v a=$a_vm -v u=$used 'BEGIN{printf "%+.1f%%", (a-u)*100/u}')"
printf '%-22s %8s %12s\n' "  (its copy phase)" "$t_vmcopy" ""
printf '%-22s %8s %12s %14s\n' "dd pipeline" "$t_dd" "$(awk -v a=$t_dd -v b=$t_vm 'BEGIN{printf "%.2fx", a/b}')" "$(mib $a_dd)"
printf '%-22s %8s %12s %14s\n' "e2image -ra + sync" "$t_e2s" "$(awk -v a=$t_e2s -v b=$t_vm 'BEGIN{printf "%.2fx", a/b}')" "$(mib $a_e2)"
printf '%-22s %8s %12s\n' "  (e2image alone)" "$t_e2" "$(awk -v a=$t_e2 -v b=$t_vm 'BEGIN{printf "%.2fx", a/b}')"
echo
awk -v vm=$t_vm -v dd=$t_dd -v e2=$t_e2s -v a=$a_vm -v u=$used 'BEGIN{
	r = dd / vm; printf "target >= 3x faster than the dd pipeline:  %s (%.2fx)\n", (r >= 3) ? "met" : "NOT met", r
	r = e2 / vm; printf "target no slower than e2image (+sync):    %s (%.2fx)\n", (r >= 1) ? "met" : "NOT met", r
	d = (a - u) / u; printf "target allocated within 5%% of used data: %s (%+.1f%%)\n", (d <= 0.05) ? "met" : "NOT met", d * 100 }'
