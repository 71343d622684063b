#!/usr/bin/env bash
# boot.sh GUEST OUTDIR: boots one guest of guests.tsv under qemu-system-x86_64 (TCG) and leaves in
# OUTDIR/results what virtmode printed inside it (detect.json, detect.rc, collect/, bench.json, ...),
# plus OUTDIR/console.log (the console) and OUTDIR/data.log (the second serial port, framed results).
# Run build-guest.sh first. Exit 0 when results came back, 1 when the guest gave none after retries.
# One QEMU at a time, always under timeout: the machine is small and shared.
set -euo pipefail
. "$(dirname "$0")/lib-live.sh"
guest=${1:?usage: boot.sh GUEST OUTDIR}
out=${2:?usage: boot.sh GUEST OUTDIR}
how=$(live_guest_field "$guest" boot) || live_die "$guest: not in guests.tsv"
W=$LIVE_WORK
for f in vmlinuz xen initrd-run.cpio initrd-xen.cpio; do [ -f "$W/$f" ] || live_die "$W/$f missing: run build-guest.sh"; done
mkdir -p "$out"

# The drivers each kind of guest loads: what its devices need, and in a dom0 what Xen's tools need.
pv_hw=virtio_pci:virtio_blk:virtio_net
dom0_xen=xenfs:xen-evtchn:xen-gntdev:xen-gntalloc:xen-privcmd
back=$dom0_xen:xen-blkback:xen-netback:loop:tun
xen_args="console=com1 com1=115200,8n1 smap=0 smep=0 loglvl=all guest_loglvl=all"
dom0_args="console=hvc0 earlyprintk=xen"
qemu=(qemu-system-x86_64 -accel tcg -display none -monitor none -no-reboot -nodefaults
	-serial "file:$out/console.log" -serial "file:$out/data.log")
limit=300

# domu_ramdisk TYPE: the file name of the domU's initramfs in dom0's /guest. An HVM domU's kernel
# and image come in through the device model's fw_cfg one byte per I/O exit (Xen's QEMU has no
# fw_cfg DMA): about 8 s a megabyte here, so its image is compressed.
domu_ramdisk() {
	case "$1" in
	hvm*) echo initrd-run.cpio.gz ;;
	*) echo initrd-run.cpio ;;
	esac
}

# domu_cfg TYPE: the xl config of the domU. Results come back on its console for PV and PVH; an HVM
# guest writes them to its disk (its emulated UART moves ~400 B/s).
domu_cfg() {
	local type=$1 extra="vm.role=run" front=xenfs:xen-blkfront:xen-netfront
	echo 'name="vm-domu"'
	echo 'kernel="/guest/vmlinuz"'
	echo "ramdisk=\"/guest/$(domu_ramdisk "$type")\""
	echo 'on_poweroff="destroy"'
	echo 'on_crash="destroy"'
	echo 'on_reboot="destroy"'
	echo 'disk=["format=raw,vdev=xvda,access=rw,backendtype=phy,script=/etc/xen/scripts/vm-hotplug,target=/dev/loop0"]'
	case "$type" in
	pv|pvh)
		echo 'vif=["script=/etc/xen/scripts/vm-hotplug"]'
		echo "type=\"$type\""
		echo 'memory=256'
		echo 'vcpus=1'
		echo "extra=\"console=hvc0 $extra vm.out=/dev/hvc0 vm.modules=$front\"" ;;
	hvm*)
		local flags=
		case "$type" in
		hvm-nopv) flags=xen_nopv ;;
		hvm-pvdrivers) flags=xen_no_vector_callback ;;
		esac
		echo 'type="hvm"'
		# xl's default emulated NIC; e1000's probe reads its EEPROM bit by bit, half a minute here.
		echo 'vif=["script=/etc/xen/scripts/vm-hotplug,model=rtl8139"]'
		echo 'memory=384'
		echo 'vcpus=1'
		# Its console goes to a file in dom0 (forwarded with the results); "quiet" because every
		# byte through the emulated UART is a trip to the device model.
		echo 'serial="file:/var/log/xen/console/hvm-serial.log"'
		echo 'vga="none"'
		echo 'nographic=1'
		echo "cmdline=\"console=ttyS0 quiet $flags $extra vm.out=disk vm.modules=ata_piix:sd_mod:8139too:$front\"" ;;
	esac
}

# dom0_initrd TYPE: the run image, the Xen tools and /guest (domU kernel, image, config) in one file.
dom0_initrd() {
	local type=$1 g=$W/stage-guest-$type
	rm -rf "$g" && mkdir -p "$g/guest"
	cp "$W/vmlinuz" "$g/guest/"
	case "$(domu_ramdisk "$type")" in
	*.gz) gzip -1 -c "$W/initrd-run.cpio" ;;
	*) cat "$W/initrd-run.cpio" ;;
	esac >"$g/guest/$(domu_ramdisk "$type")"
	domu_cfg "$type" >"$g/guest/domu.cfg"
	echo 64 >"$g/guest/disk-mb"
	(cd "$g" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$g.cpio"
	local parts=("$W/initrd-run.cpio" "$W/initrd-xen.cpio")
	case "$type" in hvm*) [ -f "$W/initrd-hvm.cpio" ] || live_die "run build-guest.sh --hvm"; parts+=("$W/initrd-hvm.cpio") ;; esac
	cat "${parts[@]}" "$g.cpio" >"$W/initrd-dom0-$type.cpio"
	echo "$W/initrd-dom0-$type.cpio"
}

case "$how" in
qemu)
	truncate -s 64M "$out/disk.raw"
	qemu+=(-machine pc -cpu max -m 1024 -smp 1 -kernel "$W/vmlinuz" -initrd "$W/initrd-run.cpio"
		-append "console=ttyS0 vm.role=run vm.out=/dev/ttyS1 vm.modules=$pv_hw"
		-drive "file=$out/disk.raw,format=raw,if=virtio" -netdev user,id=n0 -device virtio-net-pci,netdev=n0)
	limit=120 ;;
xen-pv-dom0)
	qemu+=(-machine pc -cpu max -m 2048 -smp 1 -kernel "$W/xen"
		-append "$xen_args dom0_mem=1024M,max:1024M"
		-initrd "$W/vmlinuz $dom0_args vm.role=run vm.out=/dev/ttyS1 vm.modules=$dom0_xen:ata_piix:ahci:e1000:$pv_hw,$W/initrd-run.cpio"
		-netdev user,id=n0 -device e1000,netdev=n0)
	limit=240 ;;
xen-pvh-dom0)
	qemu+=(-machine q35 -device intel-iommu,intremap=on -cpu max,-rdtscp,-pku -m 2048 -smp 1 -kernel "$W/xen"
		-append "$xen_args dom0=pvh dom0_mem=1024M,max:1024M"
		-initrd "$W/vmlinuz $dom0_args vm.role=run vm.out=/dev/ttyS1 vm.modules=$dom0_xen:ata_piix:ahci:e1000:$pv_hw,$W/initrd-run.cpio")
	limit=300 ;;
domu-*)
	type=${how#domu-}
	initrd=$(dom0_initrd "$type")
	mem=2048 smp=1 limit=600
	# Two CPUs for a domU in an HVM container, dom0 on one: the domU's vCPU and what serves it in dom0
	# (the device model; blkback, netback and xenconsoled) then run side by side instead of taking
	# turns on one emulated CPU.
	case "$type" in
	pvh) smp=2 ;;
	hvm*) mem=3072 smp=2 limit=900 ;;
	esac
	# A PVH or HVM domU runs on SVM as TCG emulates it: without -rdtscp Xen fails to emulate the
	# domU's rdtscp ("SVM Insn len emulation failed ... 0f 01 f9"); without -pku its FPU state check trips.
	qemu+=(-machine pc -cpu max,-rdtscp,-pku -m $mem -smp $smp -kernel "$W/xen"
		-append "$xen_args dom0_mem=1024M,max:1024M dom0_max_vcpus=1"
		-initrd "$W/vmlinuz $dom0_args vm.role=dom0 vm.modules=$back vm.domu_timeout=$((limit - 150)),$initrd")
	;;
*) live_die "$guest: unknown boot kind '$how' in guests.tsv" ;;
esac

# decode LOG DIR: the framed results in LOG unpacked into DIR; fails when there are none.
decode() {
	grep -q VIRTMODE-RESULTS-END "$1" 2>/dev/null || return 1
	rm -rf "$2" && mkdir -p "$2"
	sed -n '/VIRTMODE-RESULTS-BEGIN/,/VIRTMODE-RESULTS-END/p' "$1" | tr -d '\r' | grep -v VIRTMODE-RESULTS |
		base64 -d | tar -xz -C "$2"
}

tries=${LIVE_RETRIES:-3}
for try in $(seq 1 "$tries"); do
	rm -f "$out/console.log" "$out/data.log"
	start=$(date +%s)
	rc=0
	timeout --foreground -k 10 "$limit" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 || rc=$?
	secs=$(($(date +%s) - start))
	echo "$guest try $try: qemu exit $rc after ${secs}s" >>"$out/boots.log"
	if decode "$out/data.log" "$out/raw"; then
		rm -rf "$out/results"
		# A dom0 that ran a domU forwards the domU's results in r/, beside its own logs.
		if [ "${how#domu-}" != "$how" ]; then
			[ -d "$out/raw/r" ] && [ -f "$out/raw/r/detect.rc" ] && mv "$out/raw/r" "$out/results" ||
				{ live_log "$guest try $try: dom0 came back without the domU's results"; continue; }
		else
			mv "$out/raw" "$out/results"
		fi
		# 126/127 is the guest's shell failing to start virtmode at all: once, in a PV domU under
		# nested TCG, detect got "virtmode: not found" and collect, a moment later, ran. That boot
		# is broken, not virtmode wrong; a virtmode missing from the image fails every try.
		case "$(cat "$out/results/detect.rc" 2>/dev/null)" in
		126 | 127)
			live_log "$guest try $try: virtmode did not start in the guest: $(head -1 "$out/results/detect.err" 2>/dev/null)"
			continue ;;
		esac
		live_log "$guest: results after ${secs}s (try $try)"
		exit 0
	fi
	live_log "$guest try $try: no results (qemu exit $rc after ${secs}s); console tail:"
	tail -5 "$out/console.log" | sed 's/^/    /' >&2 || true
done
exit 1
