#!/bin/sh
# Seeds for the image and initramfs harnesses, generated at configure time into OUTDIR (never committed):
# a small ext2 guest (bare and inside an msdos table), and one initramfs per compressor.
set -e
out=$1; src=$2
mkdir -p "$out/image" "$out/initramfs"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/root/boot/grub" "$t/root/etc"
cp "$src/menu.lst" "$t/root/boot/grub/menu.lst"; ln -s menu.lst "$t/root/boot/grub/grub.conf"
cp "$src/fstab" "$t/root/etc/fstab"; cp "$src/inittab" "$t/root/etc/inittab"
echo fake >"$t/root/boot/vmlinuz-6.1.0-18-amd64"
printf 'CONFIG_XEN_PVHVM=y\n' >"$t/root/boot/config-6.1.0-18-amd64"
mkdir -p "$t/ir/lib/modules/6.1.0-18-amd64/kernel"; echo x >"$t/ir/lib/modules/6.1.0-18-amd64/kernel/ata_piix.ko"
(cd "$t/ir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$t/ir.cpio"
cp "$t/ir.cpio" "$out/initramfs/none"
gzip -c "$t/ir.cpio" >"$out/initramfs/gzip"
xz --check=crc32 -c "$t/ir.cpio" >"$out/initramfs/xz"
zstd -q -c "$t/ir.cpio" >"$out/initramfs/zstd"
lz4 -q -l -c "$t/ir.cpio" >"$out/initramfs/lz4"
cat "$t/ir.cpio" "$out/initramfs/gzip" >"$out/initramfs/early-gzip"
cp "$out/initramfs/gzip" "$t/root/boot/initrd.img-6.1.0-18-amd64"
rm -f "$out/image/bare"
mke2fs -q -F -t ext2 -b 1024 -N 32 -m 0 -O ^resize_inode,^dir_index -d "$t/root" "$out/image/bare" 96k >/dev/null
# msdos: partition 1 at sector 2 (keeps the seed small)
{ head -c 446 /dev/zero; printf '\200\0\0\0\203\0\0\0\002\0\0\0\300\0\0\0'; head -c 48 /dev/zero; printf '\125\252';
  head -c 512 /dev/zero; cat "$out/image/bare"; } >"$out/image/msdos"
