#!/usr/bin/env bash
# detect's options on snapshot roots: --quiet/--vm/--container like systemd-detect-virt, --prometheus checked
# by promtool, the human output with and without a TTY, usage errors.
. "$SRCDIR/tests/lib.sh"
R="$SRCDIR/tests/roots"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
vm() { "$VIRTMODE" --root "$R/$1" detect "${@:2}"; }

out=$(vm xen-pvhvm-domu --quiet); rc=$?
ok $([ $rc = 0 ] && [ -z "$out" ] && echo 0 || echo 1) "--quiet on a Xen guest: silent, exit 0 (rc $rc)"
vm bare-metal --quiet; rc=$?
ok $([ $rc = 1 ] && echo 0 || echo 1) "--quiet on bare metal: exit 1 (rc $rc)"
check "--vm in a container on KVM prints kvm" test "$(vm kvm-docker --vm)" = kvm
check "--container there prints docker" test "$(vm kvm-docker --container)" = docker
vm xen-pv-dom0 --container >/dev/null; rc=$?
ok $([ $rc = 1 ] && echo 0 || echo 1) "--container on a VM without one: exit 1 (rc $rc)"
check "--container prints none there" test "$(vm xen-pv-dom0 --container)" = none
check "--vm on a dom0 says xen (systemd-detect-virt would say none)" test "$(vm xen-pv-dom0 --vm)" = xen
check "--vm and --container together are refused" bash -c "! '$VIRTMODE' detect --vm --container 2>/dev/null"
"$VIRTMODE" detect --bogus 2>"$tmp/err"; rc=$?
ok $([ $rc = 2 ] && grep -q "unknown option '--bogus'" "$tmp/err" && echo 0 || echo 1) "unknown option: exit 2, named (rc $rc)"
check "no command means detect" bash -c "'$VIRTMODE' --root '$R/kvm' --json | grep -q '\"hypervisor\": \"kvm\"'"
check "--root to a missing directory fails with its name" bash -c "'$VIRTMODE' --root /nonexistent/x detect 2>&1 | grep -q '^virtmode: /nonexistent/x: No such file'"

for root in xen-pvhvm-domu xen-pv-dom0 kvm-docker bare-metal amazon-nitro; do
	vm $root --prometheus >"$tmp/$root.prom"
	check "$root: --prometheus passes promtool check metrics" promtool check metrics <"$tmp/$root.prom"
done
check "prometheus: the info metric names the mode" grep -q 'virtmode_info{hypervisor="xen",container="none",cloud="none",xen_mode="pvhvm",xen_domain="domU"' "$tmp/xen-pvhvm-domu.prom"
check "prometheus: one spectrum cell per column is 1" test "$(grep -c '^virtmode_spectrum_cell.* 1$' "$tmp/xen-pvhvm-domu.prom")" = 4

vm xen-pvhvm-domu >"$tmp/text"
check "text: the verdict first" bash -c "head -1 '$tmp/text' | grep -qx 'Xen PVHVM domU'"
check "text: the spectrum row and the legend" bash -c "grep -q 'disk & network' '$tmp/text' && grep -q 'VS  software virtualized' '$tmp/text'"
check "text: the decoded Xen features" grep -q hvm_callback_vector "$tmp/text"
check "text: why lines with their source" grep -q 'xen.mode=pvhvm .*dmesg: xen:events: Xen HVM callback vector' "$tmp/text"
check "text: advice" grep -q 'type = "pvh"' "$tmp/text"
check "text without a TTY has no escape codes" bash -c "! grep -q $'\033' '$tmp/text'"
script -qec "'$VIRTMODE' --root '$R/xen-pvhvm-domu' detect" /dev/null >"$tmp/tty" 2>&1
check "on a TTY the cells are coloured (P yellow, VS red, VH green)" bash -c "grep -q $'\033\\[1;30;43m P ' '$tmp/tty' && grep -q $'\033\\[1;37;41m VS ' '$tmp/tty' && grep -q $'\033\\[1;37;42m VH ' '$tmp/tty'"
NO_COLOR=1 script -qec "'$VIRTMODE' --root '$R/xen-pvhvm-domu' detect" /dev/null >"$tmp/tty" 2>&1
check "NO_COLOR turns colour off on a TTY" bash -c "! grep -q $'\033\\[1;3' '$tmp/tty'"
check "--explain shows every piece of evidence" bash -c "'$VIRTMODE' --root '$R/xen-pvhvm-domu' detect --explain | grep -q 'devices .*sys/block/xvda: driver vbd'"
check "a PV guest is told to convert" bash -c "vm() { '$VIRTMODE' --root '$R/xen-pv-domu' detect; }; vm | grep -q 'virtmode convert'"
done_testing
