#!/usr/bin/env bash
# Boots a disk image in QEMU (TCG: KVM does not work on this class of machine) as an emulated
# Xen-HVM-like PC (i440FX, IDE disk), with the first serial port (ttyS0) written to a log file,
# and measures from power-on (QEMU started) to
#   marker  the guest's "VIRTMODE-MULTIUSER" line (multi-user / runlevel 2 reached)
#   login   a "login:" prompt on ttyS0 (the serial log holds ttyS0 and nothing else)
# QEMU is stopped as soon as both are seen, or at the hard timeout.
#
# usage: boot.sh [--timeout SECONDS] [--log FILE] IMAGE
# Prints one line:  marker=SECONDS login=SECONDS guest_uptime=SECONDS   ("-" for what never came)
# Exit 0 when both the marker and the login prompt came, 1 otherwise, 2 on usage errors.
set -uo pipefail
limit=300 log=
while [ $# -gt 1 ]; do
	case $1 in
	--timeout) limit=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	*) echo "boot.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# = 1 ] || { echo "usage: boot.sh [--timeout SECONDS] [--log FILE] IMAGE" >&2; exit 2; }
img=$1
[ -f "$img" ] || { echo "boot.sh: $img: no such image" >&2; exit 2; }
[ -n "$log" ] || log=$img.serial.log
rm -f "$log"; : >"$log"

elapsed() { # START -> seconds since START, two decimals (EPOCHREALTIME is bash's microsecond clock)
	local now=${EPOCHREALTIME/[.,]/} start=${1/[.,]/}
	local d=$((now - start))
	printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000))
}

start=$EPOCHREALTIME
# One vCPU: with TCG a second one only adds a host thread competing for the same cores.
timeout "$limit" qemu-system-x86_64 -accel tcg -machine pc -smp 1 -m 1024 -display none \
	-no-reboot -monitor none -serial "file:$log" \
	-drive "file=$img,format=raw,if=ide" </dev/null >"$log.qemu" 2>&1 &
qpid=$!
marker=- login=-
while kill -0 "$qpid" 2>/dev/null; do
	[ "$marker" = - ] && grep -aq 'VIRTMODE-MULTIUSER' "$log" && marker=$(elapsed "$start")
	[ "$login" = - ] && grep -aEq '[a-z0-9] login: ?' "$log" && login=$(elapsed "$start")
	[ "$marker" != - ] && [ "$login" != - ] && break
	sleep 0.1
done
if kill -0 "$qpid" 2>/dev/null; then
	kill "$qpid" 2>/dev/null
fi
wait "$qpid" 2>/dev/null
up=$(tr -d '\r' <"$log" | sed -n 's/.*VIRTMODE-MULTIUSER uptime=\([0-9.]*\).*/\1/p' | head -1)
echo "marker=$marker login=$login guest_uptime=${up:--}"
[ "$marker" != - ] && [ "$login" != - ]
