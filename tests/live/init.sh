#!/bin/sh
# /init of every live test guest (busybox sh). What it does comes from the kernel command line:
#   vm.role=run       run virtmode here and send the results out on vm.out (default /dev/ttyS1)
#   vm.role=dom0      start the domU described by /guest/domu.cfg with xl, wait for it, and forward
#                     its results (from its console log, or its disk for HVM) out on /dev/ttyS1
#   vm.out=DEV        where a 'run' guest writes its results: a serial port, hvc0, or a disk (raw tar)
# Results go out framed as one base64 gzip tar between VIRTMODE-RESULTS-BEGIN/END lines, so a console
# with kernel messages mixed in still decodes. The machine powers off at the end, whatever happened.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run /var/log /var/lib
ln -sfn /run /var/run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

arg() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
role=$(arg vm.role)
out=$(arg vm.out)
[ -n "$out" ] || out=/dev/ttyS1
say() { echo "vm-init: $*" >/dev/console; }

# vm.modules=a:b:c: the drivers this guest needs (loading all of them costs a minute under TCG).
mods=$(arg vm.modules | tr : ' ')
[ -n "$mods" ] || mods=$(cat /etc/vm-modules)
for m in $mods; do modprobe -q "$m" 2>/dev/null; done
if [ -d /proc/xen ] && [ ! -f /proc/xen/capabilities ]; then
	mount -t xenfs xenfs /proc/xen
fi
mdev -s 2>/dev/null
say "role=$role out=$out, up in $(cut -d' ' -f1 /proc/uptime)s"

# frame DIR: DIR as base64 gzip tar between the marker lines, on stdout.
frame() {
	echo "VIRTMODE-RESULTS-BEGIN"
	tar -C "$1" -cf - . | gzip -c | base64
	echo "VIRTMODE-RESULTS-END"
}

# run_virtmode DIR: the live runs the test bed checks, each with its exit status and stderr.
run_virtmode() {
	d=$1
	mkdir -p "$d"
	uname -a >"$d/uname.txt"
	cat /proc/cmdline >"$d/cmdline.txt"
	# What the kernel itself says this guest is, so the harness can tell a wrong boot from a wrong
	# virtmode: /sys/hypervisor/guest_type (PV, PVH, HVM), dom0 or not, the clocksource.
	{
		echo "guest_type=$(cat /sys/hypervisor/guest_type 2>/dev/null || echo -)"
		echo "capabilities=$(cat /proc/xen/capabilities 2>/dev/null | grep . || echo -)"
		echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	} >"$d/facts.txt"
	cd "$d" || return
	virtmode detect --json >detect.json 2>detect.err; echo $? >detect.rc
	virtmode detect --explain >detect.txt 2>&1; echo $? >detect-explain.rc
	virtmode collect "$d/collect" >collect.out 2>&1; echo $? >collect.rc
	if virtmode bench --help >/dev/null 2>&1; then
		# The quick suite takes minutes under (nested) TCG: only the metrics the modes differ on most.
		timeout 120 virtmode bench --quick --only syscall,clock_gettime,page_fault --dir /tmp --json \
			>bench.json 2>bench.err; echo $? >bench.rc
	fi
	dmesg >dmesg.txt
	cd /
	say "virtmode ran: detect=$(cat "$d/detect.rc") collect=$(cat "$d/collect.rc")"
}

# send DIR: to $out ('disk' means the first disk there is). A disk gets a raw tar (the emulated UART of an HVM guest is far too slow for
# bulk data); anything else gets the framed text.
send() {
	if [ "$out" = disk ]; then
		for out in /dev/xvda /dev/sda /dev/vda /dev/hda none; do [ -b "$out" ] && break; done
	fi
	case "$out" in
	/dev/sd* | /dev/xvd* | /dev/vd* | /dev/hd*)
		tar -C "$1" -cf - . | gzip -c >/tmp/results.tgz
		dd if=/tmp/results.tgz of="$out" bs=64k conv=fsync 2>/dev/null
		sync ;;
	*)
		dmesg -n 1 # no kernel lines in the middle of the framed results
		stty -F "$out" raw -echo 2>/dev/null
		frame "$1" >"$out"
		# poweroff -f does not wait for a console to drain: an hvc0 loses its last lines without this.
		sleep 3 ;;
	esac
}

start_xen_tools() {
	mkdir -p /run/xenstored /var/lib/xenstored /var/log/xen/console /var/lib/xen /run/xen
	xenstored --pid-file /run/xenstored.pid >/var/log/xen/xenstored.log 2>&1 || say "xenstored failed"
	xen-init-dom0 >/var/log/xen/xen-init-dom0.log 2>&1 || say "xen-init-dom0 failed"
	xenconsoled -i --log=guest --log-dir=/var/log/xen/console >/var/log/xen/xenconsoled.log 2>&1 &
	sleep 1
	kill -0 $! 2>/dev/null || { say "xenconsoled died:"; cat /var/log/xen/xenconsoled.log >/dev/console; }
}

# run_domu DIR: starts /guest/domu.cfg, waits for it to go away, leaves its results in DIR.
run_domu() {
	start_xen_tools
	# The domU's disk: a file in this dom0's RAM behind a loop device, served by blkback (and by
	# the device model's emulated IDE for HVM).
	dd if=/dev/zero of=/guest/disk.img bs=1M count="$(cat /guest/disk-mb)" 2>/dev/null
	losetup /dev/loop0 /guest/disk.img || say "losetup failed"
	limit=$(arg vm.domu_timeout)
	[ -n "$limit" ] || limit=600
	say "xl create /guest/domu.cfg"
	timeout 180 xl -v create /guest/domu.cfg >/tmp/xl-create.log 2>&1 ||
		{ say "xl create failed:"; tail -20 /tmp/xl-create.log >/dev/console; xl list >/dev/console 2>&1; }
	# Gone means absent from two xl lists in a row (one can fail while xl's own daemon holds a lock).
	t0=$(cut -d. -f1 /proc/uptime) t=0 gone=0
	while [ $gone -lt 2 ] && [ $t -lt "$limit" ]; do
		sleep 3
		if xl list 2>/dev/null | grep -q '^vm-domu '; then gone=0; else gone=$((gone + 1)); fi
		t=$(($(cut -d. -f1 /proc/uptime) - t0))
	done
	[ $gone -lt 2 ] && { say "domU still running after ${t}s, destroying"; xl destroy vm-domu; }
	say "domU gone after ${t}s"
	mkdir -p "$1"
	log=/var/log/xen/console/guest-vm-domu.log
	if grep -q vm.out=disk /guest/domu.cfg; then
		losetup -d /dev/loop0 2>/dev/null
		mkdir -p "$1/r" && gzip -dc /guest/disk.img 2>/dev/null | tar -C "$1/r" -xf - 2>/dev/null
	elif [ -f "$log" ]; then
		mkdir -p "$1/r"
		sed -n '/VIRTMODE-RESULTS-BEGIN/,/VIRTMODE-RESULTS-END/p' "$log" | tr -d '\r' |
			grep -v VIRTMODE-RESULTS | base64 -d | gzip -dc | tar -C "$1/r" -xf - ||
			say "could not decode the domU's results"
	fi
	[ -f "$log" ] && cp "$log" "$1/domu-console.log"
	[ -f /var/log/xen/console/hvm-serial.log ] && cp /var/log/xen/console/hvm-serial.log "$1/domu-console.log"
	cp /tmp/xl-create.log /var/log/xen/*.log "$1/" 2>/dev/null
	xl dmesg >"$1/xl-dmesg.txt" 2>&1
}

case "$role" in
run) run_virtmode /tmp/results; send /tmp/results ;;
dom0) run_domu /tmp/results; send /tmp/results ;;
*) say "no vm.role on the command line: dropping to a shell"; sh ;;
esac
sync
say "powering off"
poweroff -f
