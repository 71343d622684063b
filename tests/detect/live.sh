#!/usr/bin/env bash
# The live machine: virtmode's answer agrees with systemd-detect-virt's, fast, also as an ordinary user.
. "$SRCDIR/tests/lib.sh"
command -v systemd-detect-virt >/dev/null || { echo "1..0 # SKIP systemd-detect-virt not installed"; exit 0; }
sdv_vm=$(systemd-detect-virt --vm); sdv_ct=$(systemd-detect-virt --container)
vm=$("$VIRTMODE" detect --vm); ct=$("$VIRTMODE" detect --container)
echo "# systemd-detect-virt: vm=$sdv_vm container=$sdv_ct; virtmode: vm=$vm container=$ct"
domain=$("$VIRTMODE" detect --json | python3 -c 'import json,sys; x=json.load(sys.stdin)["xen"]; print(x["domain"] if x else "")')
# The one deliberate difference: a Xen dom0 is xen to us, none to systemd-detect-virt.
ok $([ "$vm" = "$sdv_vm" ] || { [ "$sdv_vm" = none ] && [ "$vm" = xen ] && [ "$domain" = dom0 ]; } && echo 0 || echo 1) "--vm agrees with systemd-detect-virt --vm"
ok $([ "$ct" = "$sdv_ct" ] && echo 0 || echo 1) "--container agrees with systemd-detect-virt --container"
systemd-detect-virt -q; a=$?; "$VIRTMODE" detect -q; b=$?
ok $([ $a = $b ] && echo 0 || echo 1) "--quiet's exit status agrees ($a, $b)"
start=$(date +%s%N); "$VIRTMODE" detect --json >/dev/null; end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
ok $([ $ms -lt 500 ] && echo 0 || echo 1) "a live run takes well under a second (${ms} ms)"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$VIRTMODE" detect --json >/tmp/vm-nobody.$$ 2>&1; rc=$?
	ok $([ $rc -le 1 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' /tmp/vm-nobody.$$ && echo 0 || echo 1) "as nobody: still a verdict (rc $rc)"
	check "as nobody: the same hypervisor" test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hypervisor"])' /tmp/vm-nobody.$$)" = "$vm"
	if [ "$(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null)" = 1 ]; then
		check "as nobody with dmesg_restrict: the kernel log is reported unreadable, with advice" \
			bash -c "grep -q '\"path\": \"dmesg (kernel log)\"' /tmp/vm-nobody.$$ && grep -q '\"id\": \"dmesg-restricted\"' /tmp/vm-nobody.$$"
		d=$(mktemp -d); chmod 777 "$d"
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$VIRTMODE" collect "$d/snap" 2>/dev/null
		check "collect as nobody records the restricted kernel log in .errors.txt" grep -q '^dmesg.txt: Operation not permitted' "$d/snap/.errors.txt"
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$VIRTMODE" --root "$d/snap" detect --json >"$d/b.json" 2>/dev/null
		check "...and its snapshot classifies exactly as nobody's live run" cmp /tmp/vm-nobody.$$ "$d/b.json"
		rm -rf "$d"
	fi
	rm -f /tmp/vm-nobody.$$
fi
done_testing
