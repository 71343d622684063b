#!/usr/bin/env bash
# Builds a real Debian 12 guest's root filesystem image, as a Xen PV guest of that kind is set up:
# a bare ext4 filesystem (no partition table), PV-GRUB menu.lst (`root (hd0)`, root=/dev/xvda1
# console=hvc0), fstab naming /dev/xvda1, a getty on hvc0, initramfs-tools with MODULES=most.
#
# usage: build-guest.sh [--hvm] [--modules dep] [--resume DEV] KIND OUT.img
#   KIND        systemd   systemd + systemd-sysv; serial-getty@hvc0 enabled (getty.target.wants link)
#               sysvinit  sysvinit-core; hvc0 getty in /etc/inittab
#   --hvm       the reference: the same tree configured by hand for an emulated HVM machine, as a
#               careful admin does (getty on ttyS0, console=tty0 console=ttyS0, root=UUID=,
#               fstab UUID=, `root (hd0,0)`). Still a bare filesystem: `virtmode convert` gives it
#               the partitioned disk and GRUB.
#   --modules dep   the initramfs rebuilt with MODULES=dep (on this host, whose root disk is virtio:
#               the image holds virtio_blk but no IDE/AHCI driver, as a PV guest's dep image holds
#               only xen-blkfront)
#   --resume DEV    hibernation to a swap device on another disk: RESUME=DEV in
#               /etc/initramfs-tools/conf.d/resume, resume=DEV on the kernel line, a swap line in fstab
#
# Every guest prints "VIRTMODE-MULTIUSER uptime=SECONDS" on its console when it reaches
# multi-user (runlevel 2), and offers a login on the consoles it is configured for.
#
# Needs root (debootstrap, chroot). The debootstrapped tree of each KIND is cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/virtmode/distro/ (the .debs too), so a second run takes seconds.
# The image itself is made with `mke2fs -t ext4 -d`: no loop device, no mount.
set -euo pipefail
. "$(dirname "$0")/lib-distro.sh"

hvm=0 modules=most resume=
while [ $# -gt 2 ]; do
	case $1 in
	--hvm) hvm=1; shift ;;
	--modules) modules=$2; shift 2 ;;
	--resume) resume=$2; shift 2 ;;
	*) distro_die "unknown option $1" ;;
	esac
done
[ $# = 2 ] || distro_die "usage: build-guest.sh [--hvm] [--modules dep] [--resume DEV] systemd|sysvinit OUT.img"
kind=$1 out=$2
pkgs=$(distro_packages "$kind") || distro_die "unknown guest kind '$kind' (systemd or sysvinit)"
case $modules in most|dep) ;; *) distro_die "--modules: most or dep" ;; esac
[ "$(id -u)" = 0 ] || distro_die "needs root (debootstrap, chroot)"

# --- the debootstrapped tree, cached per kind and package list -------------------------------
recipe="1 $DISTRO_SUITE $DISTRO_MIRROR minbase $pkgs"
key=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
tree=$DISTRO_CACHE/tree-$kind-$key
mkdir -p "$DISTRO_CACHE/debs"
(
	flock 9
	[ -f "$tree/.virtmode-done" ] && exit 0
	rm -rf "$tree" "$tree.new"
	distro_log "debootstrap $DISTRO_SUITE $kind (first run; the .debs are cached in $DISTRO_CACHE/debs)"
	t0=$SECONDS
	# The kernel's postinst builds the initramfs inside the chroot, with initramfs-tools' default
	# MODULES=most (checked below).
	if ! debootstrap --variant=minbase --include="$pkgs" --cache-dir="$DISTRO_CACHE/debs" \
		"$DISTRO_SUITE" "$tree.new" "$DISTRO_MIRROR" >"$DISTRO_CACHE/debootstrap-$kind.log" 2>&1; then
		tail -20 "$DISTRO_CACHE/debootstrap-$kind.log" >&2
		distro_die "debootstrap failed (log: $DISTRO_CACHE/debootstrap-$kind.log)"
	fi
	# Nothing of the apt lists or the in-tree package cache is needed in the image.
	rm -rf "$tree.new"/var/cache/apt/archives/*.deb "$tree.new"/var/lib/apt/lists/*_Packages
	touch "$tree.new/.virtmode-done"
	mv "$tree.new" "$tree"
	distro_log "debootstrap $kind took $((SECONDS - t0)) s"
) 9>"$DISTRO_CACHE/.tree-$kind.lock"

kver=$(basename "$(ls -d "$tree"/lib/modules/*-amd64 | head -1)")
[ -f "$tree/boot/vmlinuz-$kver" ] || distro_die "no kernel in $tree/boot"
[ -f "$tree/boot/initrd.img-$kver" ] || distro_die "no initramfs in $tree/boot"
grep -qx 'MODULES=most' "$tree/etc/initramfs-tools/initramfs.conf" ||
	distro_die "$tree/etc/initramfs-tools/initramfs.conf: MODULES is not 'most'"

# --- configure a copy of the tree as the guest ------------------------------------------------
mkdir -p "$(dirname "$out")"
root=$(mktemp -d "$(dirname "$out")/.root.XXXXXX")
unmount_root() {
	local m
	for m in "$root/dev" "$root/sys" "$root/proc" "$root"; do
		if mountpoint -q "$m"; then umount "$m" || return 1; fi
	done
}
# Never rm -rf a tree with /dev bound into it.
cleanup() { unmount_root && rm -rf "$root"; }
trap cleanup EXIT
cp -a "$tree/." "$root/"
rm -f "$root/.virtmode-done"

host=virtmode-$kind
echo "$host" >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$host" >"$root/etc/hosts"
# A fixed machine id: an empty one makes systemd treat every boot as the first one.
printf '%s\n' "$key$key${key:0:8}" >"$root/etc/machine-id"
# Root without a password is fine for a test guest that is only ever looked at.
sed -i 's/^root:[^:]*:/root::/' "$root/etc/shadow"

uuid=$(cat /proc/sys/kernel/random/uuid)
if [ $hvm = 1 ]; then
	rootspec=UUID=$uuid grubroot='(hd0,0)' console='console=tty0 console=ttyS0,115200' tty=ttyS0
else
	rootspec=/dev/xvda1 grubroot='(hd0)' console='console=hvc0' tty=hvc0
fi
resumearg=
[ -n "$resume" ] && resumearg=" resume=$resume"

{
	echo "# /etc/fstab: static file system information."
	printf '%s\t/\text4\terrors=remount-ro\t0\t1\n' "$rootspec"
	[ -n "$resume" ] && printf '%s\tnone\tswap\tsw\t0\t0\n' "$resume"
} >"$root/etc/fstab"

mkdir -p "$root/boot/grub"
cat >"$root/boot/grub/menu.lst" <<EOF
# PV-GRUB (GRUB legacy) configuration
default 0
timeout 1

title Debian GNU/Linux 12, kernel $kver
root $grubroot
kernel /boot/vmlinuz-$kver root=$rootspec ro $console$resumearg
initrd /boot/initrd.img-$kver
EOF

if [ -n "$resume" ]; then
	mkdir -p "$root/etc/initramfs-tools/conf.d"
	echo "RESUME=$resume" >"$root/etc/initramfs-tools/conf.d/resume"
fi

case $kind in
systemd)
	wants=$root/etc/systemd/system/getty.target.wants
	mkdir -p "$wants" "$root/etc/systemd/system/multi-user.target.wants"
	ln -sf /lib/systemd/system/serial-getty@.service "$wants/serial-getty@$tty.service"
	cat >"$root/etc/systemd/system/virtmode-marker.service" <<'EOF'
[Unit]
Description=Print the virtmode test marker when multi-user is reached
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'read up idle </proc/uptime; echo "VIRTMODE-MULTIUSER uptime=$up" >/dev/console'

[Install]
WantedBy=multi-user.target
EOF
	ln -sf /etc/systemd/system/virtmode-marker.service \
		"$root/etc/systemd/system/multi-user.target.wants/virtmode-marker.service"
	;;
sysvinit)
	if [ $hvm = 1 ]; then
		# What the admin does: keep the VGA ttys, enable the serial line inittab ships commented out.
		echo "T0:2345:respawn:/sbin/getty -L $tty 115200 vt100" >>"$root/etc/inittab"
	else
		# As xen-tools sets up a PV guest: the first getty on hvc0, no VGA ttys.
		sed -i -e 's|^\([2-6]:23:respawn:.*\)|#\1|' \
			-e "s|^1:2345:respawn:.*|1:2345:respawn:/sbin/getty 38400 $tty|" "$root/etc/inittab"
	fi
	grep -q "getty.* $tty" "$root/etc/inittab" || distro_die "$root/etc/inittab: no $tty getty line"
	cat >"$root/etc/init.d/virtmode-marker" <<'EOF'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          virtmode-marker
# Required-Start:    $all
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:
# Short-Description: Print the virtmode test marker when multi-user is reached
### END INIT INFO
case "$1" in
start)
	read up idle </proc/uptime
	echo "VIRTMODE-MULTIUSER uptime=$up" >/dev/console ;;
esac
exit 0
EOF
	chmod 755 "$root/etc/init.d/virtmode-marker"
	chroot "$root" update-rc.d virtmode-marker defaults >/dev/null 2>&1 ||
		distro_die "update-rc.d virtmode-marker failed"
	;;
esac

if [ "$modules" = dep ] || [ -n "$resume" ]; then
	# Rebuild the initramfs inside the guest, as `update-initramfs -u` does after the admin
	# changed its configuration.
	sed -i "s/^MODULES=.*/MODULES=$modules/" "$root/etc/initramfs-tools/initramfs.conf"
	# The tree's root must be a mount point, for MODULES=dep to find the device of / (as seen from
	# inside the chroot, mounts are relative to its root).
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount -t sysfs sys "$root/sys"
	mount --bind /dev "$root/dev"
	chroot "$root" update-initramfs -u -k "$kver" >"$root.initramfs.log" 2>&1 || {
		cat "$root.initramfs.log" >&2; rm -f "$root.initramfs.log"
		distro_die "update-initramfs (MODULES=$modules) failed"
	}
	rm -f "$root.initramfs.log"
	if [ "$modules" = dep ]; then
		# dep picks the drivers of the disk the image is built on; the fixture is only what it
		# claims when that is not an IDE/AHCI disk (virtio here, xen-blkfront in a real PV guest).
		chroot "$root" lsinitramfs "/boot/initrd.img-$kver" >"$root.list" ||
			distro_die "lsinitramfs of the MODULES=dep initramfs failed"
		grep -Eq '/(ata_piix|ahci|ata_generic|pata_[a-z0-9_]+)\.ko' "$root.list" &&
			distro_die "the MODULES=dep initramfs holds an IDE/AHCI driver: this host's root disk is IDE/AHCI"
		grep -Eq '/ext4\.ko' "$root.list" || distro_die "the MODULES=dep initramfs has no ext4 module"
		distro_log "MODULES=dep initramfs: $(grep -Eo '[a-z0-9_-]+\.ko' "$root.list" | tr '\n' ' ')"
		rm -f "$root.list"
	fi
	unmount_root || distro_die "cannot unmount what is mounted under $root"
fi

# Size: what the tree uses plus room, as a PV root volume has.
used=$(du -sm "$root" | cut -f1)
rm -f "$out" "$out.new"
truncate -s "$((used + 512))M" "$out.new"
mke2fs -q -F -t ext4 -U "$uuid" -d "$root" "$out.new" ||
	distro_die "mke2fs -d $root failed"
mv "$out.new" "$out"
distro_log "$out: $kind guest ($([ $hvm = 1 ] && echo HVM reference || echo PV)), kernel $kver, MODULES=$modules${resume:+, resume=$resume}, ${used} MiB used"
