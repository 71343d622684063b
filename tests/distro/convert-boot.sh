#!/usr/bin/env bash
# A real Debian 12 PV guest of KIND (systemd or sysvinit), converted with `virtmode convert`, boots
# under QEMU TCG to multi-user and a login prompt on ttyS0, as cleanly and (within 20 s) as fast as
# the reference: the same guest configured for HVM by hand (tests/distro/README.md).
#
# usage: convert-boot.sh KIND      (TAP; env VIRTMODE, SRCDIR, BUILDDIR as meson sets them)
# DISTRO_SLACK (default 20): how many seconds slower than the reference the converted guest may be.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-distro.sh"
. "$DISTRO_SRC/tests/lib.sh"
kind=${1:?usage: convert-boot.sh systemd|sysvinit}
slack=${DISTRO_SLACK:-20}
boot_timeout=${DISTRO_BOOT_TIMEOUT:-600}

distro_need_root
distro_skip_unless_implemented convert

w=$DISTRO_WORK/$kind
mkdir -p "$w"
pv=$w/pv.img conv=$w/converted.img reffs=$w/reference-fs.img ref=$w/reference.img

check "build the $kind PV guest (debootstrap, cached)" "$here/build-guest.sh" "$kind" "$pv"
check "build the $kind reference (same tree, console fixed by hand)" \
	"$here/build-guest.sh" --hvm "$kind" "$reffs"
[ -f "$pv" ] && [ -f "$reffs" ] || { echo "Bail out! no guest images"; exit 1; }

# The PV guest really is what the test claims: hvc0 console and getty, /dev/xvda1 everywhere.
pvgetty=$(case $kind in
	systemd) debugfs -R 'stat /etc/systemd/system/getty.target.wants/serial-getty@hvc0.service' "$pv" 2>/dev/null | grep -c 'Type: symlink' ;;
	sysvinit) debugfs -R 'cat /etc/inittab' "$pv" 2>/dev/null | grep -c '^[^#].*getty.* hvc0' ;;
	esac)
ok $([ "${pvgetty:-0}" -ge 1 ] && echo 0 || echo 1) "the PV guest has a getty on hvc0"
menu=$(debugfs -R 'cat /boot/grub/menu.lst' "$pv" 2>/dev/null)
ok $(grep -q 'root=/dev/xvda1 .*console=hvc0' <<<"$menu" && echo 0 || echo 1) "the PV guest's menu.lst boots root=/dev/xvda1 console=hvc0"

rm -f "$conv" "$ref"
check "virtmode convert $kind PV guest" "$VIRTMODE" convert "$pv" "$conv"
check "virtmode convert the reference (disk layout and GRUB only)" "$VIRTMODE" convert "$reffs" "$ref"

# boot IMAGE NAME ROUND: one boot; sets marker_s, login_s ("-" when never seen); the serial log
# is $w/NAME.ROUND.serial.log
boot() {
	local img=$1 name=$2 round=$3 line
	marker_s=- login_s=-
	[ -f "$img" ] || return
	line=$("$here/boot.sh" --timeout "$boot_timeout" --log "$w/$name.$round.serial.log" "$img")
	echo "# $name (round $round): $line"
	marker_s=$(sed -n 's/.*marker=\([^ ]*\).*/\1/p' <<<"$line")
	login_s=$(sed -n 's/.*login=\([^ ]*\).*/\1/p' <<<"$line")
}
# reached NAME MARKER LOGIN: the assertions on a guest's best round
reached() {
	local name=$1 m=$2 l=$3 log
	ok $([ "$m" != - ] && echo 0 || echo 1) "$name: reaches multi-user (marker after $m s)"
	ok $([ "$l" != - ] && echo 0 || echo 1) "$name: login prompt on ttyS0 (after $l s)"
	if [ "$m" = - ] || [ "$l" = - ]; then
		log=$(ls -t "$w/$name".*.serial.log 2>/dev/null | head -1)
		echo "# last lines of $log:"
		[ -n "$log" ] && tr -d '\r' <"$log" | tail -15 | sed 's/^/#   /'
	fi
}
# slower A B: 0 when A is at most $slack seconds more than B (both numbers), 1 otherwise
slower() { awk -v a="$1" -v b="$2" -v s="$slack" 'BEGIN { exit !(a != "-" && b != "-" && a - b <= s) }'; }
# min A B of two times, "-" counting as infinite
tmin() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-") print b; else if (b == "-" || a + 0 <= b + 0) print a; else print b }'; }
# Boot lines that say the boot waited for, or kept retrying, something that is not there.
unclean() { # LOG
	tr -d '\r' <"$1" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -aE \
		-e 'Job dev-(hvc|xvc)[0-9]+\.device/start running' \
		-e 'Timed out waiting for device .*(hvc|xvc)' \
		-e 'Dependency failed for .*(hvc|xvc)' \
		-e 'Id "[^"]*" respawning too fast' \
		-e '(hvc|xvc)[0-9]+: No such file or directory' | sort -u
}
failed_units() { # LOG
	tr -d '\r' <"$1" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' |
		sed -n 's/.*\[FAILED\] Failed to start \([^ ]*\).*/\1/p' | sort -u
}

# TCG boot times follow the host's load. When the comparison fails (or a boot did not get there
# before the timeout), both guests are booted again in the other order, up to DISTRO_BOOT_ROUNDS
# rounds, and each keeps its best time: a load spike during one boot passes, a boot that waits
# 90 s for a console waits in every round.
rounds=${DISTRO_BOOT_ROUNDS:-2}
rm -f "$w"/*.serial.log "$w"/*.serial.log.qemu
conv_marker=- conv_login=- ref_marker=- ref_login=-
for ((r = 1; r <= rounds; r++)); do
	if ((r % 2)); then order="converted reference"; else order="reference converted"; fi
	for name in $order; do
		if [ $name = converted ]; then
			boot "$conv" converted $r
			conv_marker=$(tmin "$conv_marker" "$marker_s") conv_login=$(tmin "$conv_login" "$login_s")
		else
			boot "$ref" reference $r
			ref_marker=$(tmin "$ref_marker" "$marker_s") ref_login=$(tmin "$ref_login" "$login_s")
		fi
	done
	slower "$conv_marker" "$ref_marker" && slower "$conv_login" "$ref_login" && break
	[ $r -lt $rounds ] && echo "# not within $slack s of the reference (or not there at all); booting both again"
done
reached converted "$conv_marker" "$conv_login"
reached reference "$ref_marker" "$ref_login"

convlogs=$(ls "$w"/converted.*.serial.log 2>/dev/null)
reflogs=$(ls "$w"/reference.*.serial.log 2>/dev/null)
if [ -n "$convlogs" ]; then
	bad=$(for f in $convlogs; do unclean "$f"; done | sort -u)
	ok $([ -z "$bad" ] && echo 0 || echo 1) "converted: boot neither waits for nor retries a PV console"
	[ -n "$bad" ] && sed 's/^/#   /' <<<"$bad"
	# shellcheck disable=SC2086
	ok $(grep -aEqs 'Debian GNU/Linux 12 [^ ]+ ttyS0' $convlogs && echo 0 || echo 1) \
		"converted: the login is the getty on ttyS0"
	if [ -n "$reflogs" ]; then
		extra=$(comm -23 <(for f in $convlogs; do failed_units "$f"; done | sort -u) \
			<(for f in $reflogs; do failed_units "$f"; done | sort -u))
		ok $([ -z "$extra" ] && echo 0 || echo 1) "converted: no unit fails that does not fail in the reference"
		[ -n "$extra" ] && sed 's/^/#   /' <<<"$extra"
	fi
fi

echo "# $kind power-on to marker: converted ${conv_marker} s, reference ${ref_marker} s"
echo "# $kind power-on to login:  converted ${conv_login} s, reference ${ref_login} s"
slower "$conv_marker" "$ref_marker"
ok $? "converted reaches multi-user at most $slack s after the reference (${conv_marker} s vs ${ref_marker} s)"
slower "$conv_login" "$ref_login"
ok $? "converted offers a login at most $slack s after the reference (${conv_login} s vs ${ref_login} s)"

# The images are large and rebuilt every run: keep only the serial logs.
[ "${DISTRO_KEEP:-0}" = 1 ] || rm -f "$pv" "$conv" "$reffs" "$ref"
done_testing
