#!/usr/bin/env bash
# Every tests/roots/live-GUEST (a root that `virtmode collect` wrote inside a live guest, saved by
# save-root.sh) must still give GUEST's row of guests.tsv under `virtmode --root`: the live boots'
# verdicts, kept as regression fixtures that need no QEMU.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-live.sh"
. "$LIVE_SRC/tests/lib.sh"
roots=$(compgen -G "$LIVE_SRC/tests/roots/live-*/")
[ -n "$roots" ] || { echo "1..0 # SKIP no tests/roots/live-* yet"; exit 0; }
for d in $roots; do
	d=${d%/}; g=${d##*/live-}
	want="$(live_guest_field "$g" hypervisor) $(live_guest_field "$g" mode) $(live_guest_field "$g" domain)"
	want="$want $(live_guest_field "$g" disk_network) $(live_guest_field "$g" interrupts_timers)"
	want="$want $(live_guest_field "$g" motherboard_boot) $(live_guest_field "$g" privileged_pagetables)"
	got=$("$VIRTMODE" --root "$d" detect --json | python3 -c '
import json, sys
j = json.load(sys.stdin); x = j["xen"] or {}; s = j["spectrum"]
print(j["hypervisor"], x.get("mode") or "-", x.get("domain") or "-",
      *(s[k] for k in ("disk_network", "interrupts_timers", "motherboard_boot", "privileged_pagetables")))' 2>&1)
	if [ "$got" = "$want" ]; then ok 0 "live-$g: $got"; else ok 1 "live-$g: got '$got', want '$want'"; fi
done
done_testing
