# Builds Xen-PV-style guest disk images at test time, as an ordinary user: a bare ext3/ext4
# filesystem (no partition table, as PV root volumes are) made with mke2fs -d from a directory,
# holding a Debian kernel, a busybox-static initramfs, a PV-GRUB menu.lst and an fstab naming
# /dev/xvda1. Source it; nothing it builds is committed. Downloads are cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/virtmode/.
#
#   guest_kernel                      -> sets KDIR (unpacked package), KVER
#   guest_image VARIANT FSTYPE OUT SIZE
#       VARIANT: grub2  (menu.lst and a pvgrub2-style grub.cfg)
#                legacy (menu.lst only, as AWS PV-GRUB reads)
#   guest_boot IMG LOG [TIMEOUT]      -> boots IMG in QEMU TCG, serial console to LOG
# Environment: GUEST_PAYLOAD=0 leaves out the module tree (small, fast image); GUEST_FILL_MB=N adds N MiB
# of random data; GUEST_BROKEN_INITRD=1
# writes a garbage initramfs (the kernel starts, then cannot mount its root).
#
# The initramfs prints "VIRTMODE-BOOT-OK ..." on the console only when it found its root by the
# LABEL=/UUID= the kernel command line names and the guest's fstab no longer names /dev/xvd*;
# otherwise "VIRTMODE-BOOT-FAIL <why>". Either way it powers the machine off.

VM_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/virtmode
GUEST_KPKG=${GUEST_KPKG:-}

guest_kernel() {
	mkdir -p "$VM_CACHE" || return 1
	(
		flock 9
		if [ ! -f "$VM_CACHE/kernel-deb/.done" ]; then
			rm -rf "$VM_CACHE/kernel-deb" && mkdir -p "$VM_CACHE/kernel-deb/dl" || exit 1
			local pkg=$GUEST_KPKG
			[ -n "$pkg" ] || pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
				sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$/\1/p' | head -1)
			[ -n "$pkg" ] || { echo "# cannot resolve linux-image-6.1 amd64 package" >&2; exit 1; }
			(cd "$VM_CACHE/kernel-deb/dl" && apt-get download "$pkg" >/dev/null 2>&1) ||
				{ echo "# apt-get download $pkg failed" >&2; exit 1; }
			dpkg -x "$VM_CACHE"/kernel-deb/dl/*.deb "$VM_CACHE/kernel-deb/root" || exit 1
			local v
			v=$(ls "$VM_CACHE/kernel-deb/root/lib/modules")
			depmod -b "$VM_CACHE/kernel-deb/root" "$v" || exit 1
			rm -f "$VM_CACHE"/kernel-deb/dl/*.deb
			touch "$VM_CACHE/kernel-deb/.done"
		fi
	) 9>"$VM_CACHE/.kernel.lock" || return 1
	KDIR=$VM_CACHE/kernel-deb/root
	KVER=$(ls "$KDIR/lib/modules")
}

# Module files (relative to lib/modules/KVER) for the named modules and their dependencies,
# dependencies first, each once.
guest_modules_for() {
	local dep=$KDIR/lib/modules/$KVER/modules.dep m line seen=" "
	for m in "$@"; do
		line=$(grep -E "/$m\.ko:" "$dep") || { echo "# no module $m" >&2; return 1; }
		local self=${line%%:*} deps=${line#*:} d list=""
		for d in $deps; do list="$d $list"; done
		for d in $list $self; do
			case $seen in *" $d "*) ;; *) seen="$seen$d "; echo "$d" ;; esac
		done
	done
}

guest_initramfs() { # OUT
	local out=$1 dir
	dir=$(mktemp -d) || return 1
	mkdir -p "$dir"/{bin,dev,proc,sys,newroot,mod}
	cp /bin/busybox "$dir/bin/busybox"
	for a in sh mount umount insmod findfs grep cat echo sleep poweroff mkdir sed ls; do
		ln -s busybox "$dir/bin/$a"
	done
	# Where initramfs-tools puts them, so inspection recognises the drivers; load order in /mod/order.
	local mods m
	mods=$(guest_modules_for crc32c_generic ata_piix sd_mod ext4) || return 1
	for m in $mods; do
		mkdir -p "$dir/lib/modules/$KVER/$(dirname "$m")"
		cp "$KDIR/lib/modules/$KVER/$m" "$dir/lib/modules/$KVER/$m"
		echo "/lib/modules/$KVER/$m" >>"$dir/mod/order"
	done
	cat >"$dir/init" <<'EOF'
#!/bin/sh
# No /dev/console in an unprivileged cpio: mount devtmpfs, then talk to the console.
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in $(cat /mod/order); do insmod "$m" 2>/dev/null; done
fail() { echo "VIRTMODE-BOOT-FAIL $*"; poweroff -f; }
spec=
for a in $(cat /proc/cmdline); do case $a in root=*) spec=${a#root=} ;; esac; done
case $spec in LABEL=*|UUID=*) ;; *) fail "root=$spec is not LABEL=/UUID=" ;; esac
dev=
for i in $(seq 1 50 2>/dev/null || echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20); do
	dev=$(findfs "$spec" 2>/dev/null) && [ -n "$dev" ] && break
	sleep 0.2
done
[ -n "$dev" ] || fail "findfs $spec found nothing"
mount -t ext4 -o ro "$dev" /newroot || fail "mount $dev failed"
[ -f /newroot/etc/virtmode-guest ] || fail "$dev is not the guest root"
froot=$(sed -n 's/^\([^# \t]*\)[ \t][ \t]*\/[ \t].*/\1/p' /newroot/etc/fstab | head -1)
case $froot in /dev/xvd*|"") fail "fstab root is '$froot'" ;; esac
cfg=menu.lst
grep -q legacy_configfile /newroot/boot/grub/grub.cfg 2>/dev/null || cfg=grub.cfg
echo "VIRTMODE-BOOT-OK root=$dev spec=$spec fstab=$froot cfg=$cfg"
umount /newroot
poweroff -f
EOF
	chmod 755 "$dir/init"
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out" || return 1
	rm -rf "$dir"
}

guest_image() { # VARIANT FSTYPE OUT SIZE
	local variant=$1 fstype=$2 out=$3 size=$4 root
	guest_kernel || return 1
	root=$(mktemp -d) || return 1
	mkdir -p "$root"/{boot/grub,etc,sbin,lib,tmp,root}
	cp "$KDIR/boot/vmlinuz-$KVER" "$KDIR/boot/config-$KVER" "$root/boot/"
	guest_initramfs "$root/boot/initrd.img-$KVER" || return 1
	# A guest that cannot finish booting, for tests of failure reports.
	[ "${GUEST_BROKEN_INITRD:-0}" = 1 ] && head -c 65536 /dev/urandom >"$root/boot/initrd.img-$KVER"
	# Real payload, so the copy has something to do: the kernel's module tree.
	if [ "${GUEST_PAYLOAD:-1}" = 1 ]; then
		cp -r "$KDIR/lib/modules" "$root/lib/"
	fi
	# GUEST_FILL_MB=N: N MiB of incompressible data as well (benchmarks).
	if [ "${GUEST_FILL_MB:-0}" -gt 0 ]; then
		mkdir -p "$root/var/lib/filler"
		local k
		for k in $(seq 1 $(( (GUEST_FILL_MB + 63) / 64 ))); do
			head -c $((64 << 20)) /dev/urandom >"$root/var/lib/filler/blob$k"
		done
	fi
	echo "virtmode test guest ($variant $fstype)" >"$root/etc/virtmode-guest"
	cat >"$root/etc/fstab" <<'EOF'
# /etc/fstab: PV guest, root on the paravirtual disk
/dev/xvda1	/	ext4	errors=remount-ro	0	1
proc		/proc	proc	defaults	0	0
EOF
	cat >"$root/boot/grub/menu.lst" <<EOF
default 0
timeout 1

title Debian GNU/Linux, kernel $KVER
root (hd0)
kernel /boot/vmlinuz-$KVER root=/dev/xvda1 ro console=hvc0
initrd /boot/initrd.img-$KVER
EOF
	if [ "$variant" = grub2 ]; then
		cat >"$root/boot/grub/grub.cfg" <<EOF
# pvgrub2-style configuration
set default=0
set timeout=1
menuentry 'Debian GNU/Linux' {
	insmod ext2
	set root='xen/xvda'
	linux /boot/vmlinuz-$KVER root=/dev/xvda1 ro console=hvc0
	initrd /boot/initrd.img-$KVER
}
EOF
	fi
	rm -f "$out"
	mke2fs -q -F -t "$fstype" -d "$root" -L pvroot "$out" "$size" >/dev/null || { rm -rf "$root"; return 1; }
	rm -rf "$root"
}

# One QEMU TCG boot. KVM is not used: on this class of machine /dev/kvm exists but guests hang.
guest_boot() { # IMG LOG [TIMEOUT]
	local img=$1 log=$2 t=${3:-240}
	rm -f "$log"
	timeout "$t" qemu-system-x86_64 -accel tcg -machine pc -m 512 -display none -no-reboot \
		-monitor none -serial "file:$log" -drive "file=$img,format=raw,if=ide" </dev/null >/dev/null 2>&1
	grep -q '^VIRTMODE-BOOT-OK' "$log"
}
