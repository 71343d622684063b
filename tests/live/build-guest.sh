#!/usr/bin/env bash
# Builds what the live guests boot, from Debian packages only, into LIVE_WORK:
#   virtmode          virtmode linked statically (its own meson build dir, LIVE_WORK/static)
#   vmlinuz           Debian's linux-image 6.1 kernel; xen.gz-less xen-4.17-amd64 (QEMU's multiboot
#                     loader takes only the uncompressed hypervisor)
#   initrd-run.cpio   busybox-static, virtmode, init.sh and the virtio/Xen driver modules: a guest
#                     that runs virtmode and sends the results out (plain QEMU, any dom0, any domU)
#   initrd-xen.cpio   xl, xenstored, xenconsoled and their libraries, appended to the above for a dom0
#                     that starts a domU (the kernel unpacks concatenated cpio archives in order)
#   initrd-hvm.cpio   qemu-system-xen, hvmloader, SeaBIOS and ROMs, for a dom0 that starts an HVM domU
# Usage: build-guest.sh [--hvm]. Idempotent; cheap when nothing changed.
set -euo pipefail
. "$(dirname "$0")/lib-live.sh"
hvm=0; [ "${1:-}" = --hvm ] && hvm=1

mkdir -p "$LIVE_WORK"

# virtmode, static: a separate meson build of this source tree, so a guest needs no libraries.
# VIRTMODE_LIVE_REV=HEAD (or any commit) builds that commit instead of the work tree, for a tree
# where someone else's edit is half done.
# VIRTMODE_LIVE_BIN=FILE puts that (static) binary in the guests instead of building one.
src=$LIVE_SRC static=$LIVE_WORK/static
if [ -n "${VIRTMODE_LIVE_BIN:-}" ]; then
	mkdir -p "$LIVE_WORK/prebuilt/src" && cp "$VIRTMODE_LIVE_BIN" "$LIVE_WORK/prebuilt/src/virtmode"
	static=$LIVE_WORK/prebuilt
elif [ -n "${VIRTMODE_LIVE_REV:-}" ]; then
	rev=$(git -C "$LIVE_SRC" rev-parse "$VIRTMODE_LIVE_REV") || live_die "no commit $VIRTMODE_LIVE_REV"
	src=$LIVE_WORK/src-$rev static=$LIVE_WORK/static-$rev
	[ -d "$src" ] || { mkdir -p "$src.new" && git -C "$LIVE_SRC" archive "$rev" | tar -x -C "$src.new" && mv "$src.new" "$src"; }
fi
if [ -n "${VIRTMODE_LIVE_BIN:-}" ]; then :
elif [ ! -f "$static/build.ninja" ]; then
	rm -rf "$static"
	meson setup "$static" "$src" -Dwerror=true -Ddefault_library=static \
		-Dprefer_static=true -Dc_link_args=-static >"$LIVE_WORK/static-setup.log" 2>&1 ||
		{ cat "$LIVE_WORK/static-setup.log" >&2; live_die "meson setup of the static build failed"; }
fi
[ -n "${VIRTMODE_LIVE_BIN:-}" ] || ninja -C "$static" src/virtmode >"$LIVE_WORK/static-build.log" 2>&1 ||
	{ tail -30 "$LIVE_WORK/static-build.log" >&2; live_die "static build of virtmode failed"; }
file -L "$static/src/virtmode" | grep -q 'statically linked' || live_die "$static/src/virtmode is not static"
cp "$static/src/virtmode" "$LIVE_WORK/virtmode.new" && mv "$LIVE_WORK/virtmode.new" "$LIVE_WORK/virtmode"

kpkg=$(live_kernel_pkg)
[ -n "$kpkg" ] || live_die "cannot tell which linux-image package linux-image-amd64 means"
pkgs="$kpkg busybox-static $LIVE_XEN_PKGS xenstore-utils"
[ $hvm = 1 ] && pkgs="$pkgs $LIVE_HVM_PKGS"
# shellcheck disable=SC2086
live_fetch $pkgs
live_unpack
kver=$(live_kver)
[ -n "$kver" ] || live_die "no kernel modules in $LIVE_X"
cp "$LIVE_X/boot/vmlinuz-$kver" "$LIVE_WORK/vmlinuz"
[ -f "$LIVE_WORK/xen" ] || gzip -dc "$LIVE_X"/boot/xen-4.17-amd64.gz >"$LIVE_WORK/xen"
[ -f "$LIVE_X/lib/modules/$kver/modules.dep" ] || depmod -b "$LIVE_X" "$kver"

# cpio_of DIR OUT: a newc archive of DIR, owned by root (the kernel unpacks it as /).
cpio_of() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2.new" && mv "$2.new" "$2"; }

# copy_bin STAGE FILE...: FILE (a path inside LIVE_X, or the host's) and every library it needs.
copy_bin() {
	local stage=$1 f lib; shift
	for f in "$@"; do
		local src=$LIVE_X$f; [ -e "$src" ] || src=$f
		mkdir -p "$stage$(dirname "$f")" && cp -L "$src" "$stage$f"
		LD_LIBRARY_PATH=$LIVE_X/usr/lib/x86_64-linux-gnu:$LIVE_X/lib/x86_64-linux-gnu ldd "$src" |
			awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' | while read -r lib; do
			local to=$lib
			case "$lib" in "$LIVE_X"/*) to=${lib#"$LIVE_X"} ;; esac
			[ -e "$stage$to" ] || { mkdir -p "$stage$(dirname "$to")" && cp -L "$lib" "$stage$to"; }
		done
	done
}

# The base image: busybox, virtmode, init, driver modules.
modules="virtio_pci virtio_blk virtio_net virtio_console e1000 8139too ata_piix ahci sd_mod loop tun
 xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback xen-blkfront xen-netfront"
stage=$LIVE_WORK/stage-run
rm -rf "$stage" && mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,guest,usr/bin,usr/sbin}
cp "$LIVE_X/bin/busybox" "$stage/bin/busybox"
for a in $("$stage/bin/busybox" --list); do [ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"; done
cp "$LIVE_WORK/virtmode" "$stage/bin/virtmode"
install -m 755 "$LIVE_SRC/tests/live/init.sh" "$stage/init"
for m in $modules; do
	modprobe -d "$LIVE_X" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
	to=${ko#"$LIVE_X"}; mkdir -p "$stage$(dirname "$to")"; cp "$ko" "$stage$to"
done
cp "$LIVE_X/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$kver/"
depmod -b "$stage" "$kver"
echo "$modules" | tr ' ' '\n' | grep . >"$stage/etc/vm-modules"
cpio_of "$stage" "$LIVE_WORK/initrd-run.cpio"

# The Xen tools a dom0 needs to start a domU. libgcc_s is dlopen()ed by glibc when xl's threads
# exit, so ldd does not list it; without it xl aborts.
stage=$LIVE_WORK/stage-xen
rm -rf "$stage" && mkdir -p "$stage"
copy_bin "$stage" /usr/lib/xen-4.17/bin/xl /usr/lib/xen-4.17/bin/xenstored /usr/lib/xen-4.17/bin/xenconsoled \
	/usr/lib/xen-4.17/bin/xen-init-dom0 /usr/lib/xen-4.17/bin/libxl-save-helper /usr/bin/xenstore-write \
	/usr/bin/xenstore-read /lib/x86_64-linux-gnu/libgcc_s.so.1
mkdir -p "$stage/etc/xen/scripts"
printf 'autoballoon="off"\nrun_hotplug_scripts=1\n' >"$stage/etc/xen/xl.conf"
install -m 755 "$LIVE_SRC/tests/live/xen-hotplug.sh" "$stage/etc/xen/scripts/vm-hotplug"
cpio_of "$stage" "$LIVE_WORK/initrd-xen.cpio"

if [ $hvm = 1 ]; then
	stage=$LIVE_WORK/stage-hvm
	rm -rf "$stage" && mkdir -p "$stage/usr/libexec" "$stage/usr/share"
	copy_bin "$stage" /usr/libexec/xen-qemu-system-i386 # qemu-system-xen installs it where libxl looks
	mkdir -p "$stage/usr/lib/xen-4.17/boot"
	cp "$LIVE_X/usr/lib/xen-4.17/boot/hvmloader" "$stage/usr/lib/xen-4.17/boot/"
	mkdir -p "$stage/usr/share/qemu" "$stage/usr/share/seabios" "$stage/usr/lib/ipxe/qemu"
	cp -L "$LIVE_X"/usr/share/qemu/{linuxboot.bin,linuxboot_dma.bin,kvmvapic.bin,vgabios-stdvga.bin,bios-256k.bin} \
		"$stage/usr/share/qemu/" 2>/dev/null || true
	cp -L "$LIVE_X"/usr/share/seabios/* "$stage/usr/share/seabios/"
	cp -L "$LIVE_X"/usr/lib/ipxe/qemu/{efi,pxe}-rtl8139.rom \
		"$stage/usr/lib/ipxe/qemu/" 2>/dev/null || true
	cp -a "$LIVE_X"/usr/share/qemu/keymaps "$stage/usr/share/qemu/" 2>/dev/null || true
	cpio_of "$stage" "$LIVE_WORK/initrd-hvm.cpio"
fi
live_log "built $(cd "$LIVE_WORK" && ls -s --block-size=M vmlinuz xen initrd-*.cpio | tr '\n' ' ')"
