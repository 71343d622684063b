#!/bin/sh
# Seeds for fuzz-convert-copy: small real filesystems made by mke2fs (ext2, ext3, ext4; 1 KiB blocks),
# generated into the build directory at configure time (binary seeds are not committed).
set -e
out=$1
mkdir -p "$out"
d=$(mktemp -d)
mkdir -p "$d/etc" "$d/boot/grub"
echo '/dev/xvda1 / ext4 defaults 0 1' >"$d/etc/fstab"
echo 'root (hd0)' >"$d/boot/grub/menu.lst"
head -c 30000 /dev/zero | tr '\0' 'x' >"$d/blob"
mke2fs -q -F -t ext2 -b 1024 -d "$d" "$out/ext2.img" 200K >/dev/null
mke2fs -q -F -t ext4 -b 1024 -O ^has_journal -d "$d" "$out/ext4.img" 256K >/dev/null
mke2fs -q -F -t ext3 -b 1024 -J size=1 -d "$d" "$out/ext3.img" 256K >/dev/null 2>&1 || true
rm -rf "$d"
