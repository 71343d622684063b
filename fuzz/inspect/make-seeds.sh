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
rm -f "$out/image/ext4"
mke2fs -q -F -t ext4 -b 1024 -N 32 -m 0 -O ^has_journal,^resize_inode -d "$t/root" "$out/image/ext4" 128k >/dev/null
# msdos: partition 1 at sector 2 (keeps the seed small)
{ head -c 446 /dev/zero; printf '\200\0\0\0\203\0\0\0\002\0\0\0\300\0\0\0'; head -c 48 /dev/zero; printf '\125\252';
  head -c 512 /dev/zero; cat "$out/image/bare"; } >"$out/image/msdos"
# GPT: protective MBR, header at LBA 1, one entry (Linux filesystem type) at LBA 2, the fs at LBA 4
python3 - "$out/image/bare" "$out/image/gpt" <<'PY'
import struct, sys, uuid
fs = open(sys.argv[1], 'rb').read()
mbr = bytearray(512)
mbr[446:462] = struct.pack('<B3sB3sII', 0, b'\0\0\0', 0xEE, b'\0\0\0', 1, 0xFFFFFFFF)
mbr[510:512] = b'\x55\xaa'
hdr = struct.pack('<8sIIIIQQQQ16sQIII', b'EFI PART', 0x10000, 92, 0, 0, 1, 0, 4, 4 + len(fs) // 512 - 1,
                  b'\0' * 16, 2, 1, 128, 0)
ent = uuid.UUID('0FC63DAF-8483-4772-8E79-3D69D8477DE4').bytes_le + b'\1' * 16 + struct.pack('<QQQ', 4, 4 + len(fs) // 512 - 1, 0)
with open(sys.argv[2], 'wb') as o:
    o.write(mbr + hdr.ljust(512, b'\0') + ent.ljust(1024, b'\0') + fs)
PY
