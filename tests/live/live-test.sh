#!/usr/bin/env bash
# live-test.sh GUEST: boots GUEST (a row of guests.tsv) and checks, as TAP, what virtmode said inside:
# the guest is what it claims to be (kernel's own facts), detect's verdict is the row's mode and
# spectrum, collect wrote a root that `virtmode --root` reads back to the same JSON, bench (when it
# exists) ran. The guest's files stay in LIVE_WORK/runs/GUEST for a look, or for save-root.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-live.sh"
. "$LIVE_SRC/tests/lib.sh"
guest=${1:?usage: live-test.sh GUEST}
mkdir -p "$LIVE_WORK"

field() { live_guest_field "$guest" "$1"; }
if [ "$(field slow)" = 1 ] && [ "${VIRTMODE_LIVE_HVM:-0}" != 1 ]; then
	echo "1..0 # SKIP $guest is marked slow in guests.tsv: set VIRTMODE_LIVE_HVM=1"
	exit 0
fi
command -v qemu-system-x86_64 >/dev/null || { echo "1..0 # SKIP no qemu-system-x86_64"; exit 0; }

build_args=()
case "$(field boot)" in domu-hvm*) build_args=(--hvm) ;; esac
if ! "$here/build-guest.sh" "${build_args[@]}" >"$LIVE_WORK/build-$guest.log" 2>&1; then
	ok 1 "$guest: guest image builds"; sed 's/^/#   /' "$LIVE_WORK/build-$guest.log" | tail -20
	done_testing; exit 1
fi
run=$LIVE_WORK/runs/$guest
rm -rf "$run" && mkdir -p "$LIVE_WORK/runs"
start=$(date +%s)
"$here/boot.sh" "$guest" "$run" 2>"$run.boot.err"; rc=$?
ok $rc "$guest: boots and sends results back ($(($(date +%s) - start))s; $(wc -l <"$run/boots.log" 2>/dev/null || echo 0) boot(s))"
sed 's/^/#   /' "$run.boot.err"
if [ $rc != 0 ]; then
	echo "#   console: $run/console.log"
	done_testing; exit 1
fi
R=$run/results

# json FILE EXPR: a value of the JSON in FILE (python3 expression over j), printed as JSON-ish text.
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print("-" if v is None else v)' "$1" "$2" 2>&1; }
# is DESCRIPTION GOT WANT
is() { if [ "$2" = "$3" ]; then ok 0 "$1 ($2)"; else ok 1 "$1: got '$2', want '$3'"; fi; }
# verdict DESCRIPTION GOT WANT: is, but a mismatch on a guest with a known_bug is a TODO.
known=$(field known_bug)
verdict() {
	if [ "$2" = "$3" ] || [ "$known" = - ]; then is "$@"; return; fi
	n=$((n + 1)); echo "not ok $n - $1: got '$2', want '$3' # TODO $known"
}

# The guest itself: a wrong boot must not look like a wrong virtmode.
mode=$(field mode) domain=$(field domain)
case "$mode" in pv) gt=PV ;; pvh) gt=PVH ;; hvm*|pvhvm) gt=HVM ;; *) gt=- ;; esac
[ "$mode" = hvm ] && gt=- # xen_nopv: the kernel does not register with Xen at all
is "$guest: kernel says guest_type" "$(sed -n 's/^guest_type=//p' "$R/facts.txt")" "$gt"
caps=$(sed -n 's/^capabilities=//p' "$R/facts.txt")
is "$guest: kernel says dom0 or not" "$([ "$caps" = control_d ] && echo dom0 || echo not-dom0)" \
	"$([ "$domain" = dom0 ] && echo dom0 || echo not-dom0)"

# The verdict.
is "$guest: detect --json exits 0" "$(cat "$R/detect.rc")" 0
[ "$(cat "$R/detect.rc")" = 0 ] || sed 's/^/#   /' "$R/detect.err"
live=$R/detect.json
verdict "$guest: hypervisor" "$(json "$live" 'j["hypervisor"]')" "$(field hypervisor)"
verdict "$guest: xen mode" "$(json "$live" '(j["xen"] or {}).get("mode")')" "$mode"
verdict "$guest: xen domain" "$(json "$live" '(j["xen"] or {}).get("domain")')" "$domain"
verdict "$guest: spectrum row" \
	"$(json "$live" '" ".join(str(j["spectrum"][k]) for k in ("disk_network","interrupts_timers","motherboard_boot","privileged_pagetables"))')" \
	"$(field disk_network) $(field interrupts_timers) $(field motherboard_boot) $(field privileged_pagetables)"
is "$guest: detect --explain exits 0" "$(cat "$R/detect-explain.rc")" 0

# collect, and the root it wrote read back offline by the same binary.
is "$guest: collect exits 0" "$(cat "$R/collect.rc")" 0
[ "$(cat "$R/collect.rc")" = 0 ] || sed 's/^/#   /' "$R/collect.out"
"$LIVE_WORK/virtmode" --root "$R/collect" detect --json >"$run/root-detect.json" 2>"$run/root-detect.err"
is "$guest: --root on the collected root exits 0" "$?" 0
check "$guest: --root on the collected root gives the live JSON (minus timing)" \
	"$here/json-same.py" "$live" "$run/root-detect.json"

if [ -f "$R/bench.rc" ]; then
	is "$guest: bench --quick --json exits 0" "$(cat "$R/bench.rc")" 0
	check "$guest: bench --quick --json is JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$R/bench.json"
else
	ok 0 "$guest: bench --quick # SKIP this virtmode has no bench"
fi
done_testing
