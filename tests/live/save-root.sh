#!/usr/bin/env bash
# save-root.sh GUEST...: turns what `virtmode collect` wrote inside a live guest (the last run of
# live-test.sh GUEST, in LIVE_WORK/runs/GUEST) into the regression fixture tests/roots/live-GUEST, with
# a README saying how it was produced. roots-test.sh then checks it against guests.tsv on every
# `make check-quick`, without QEMU. Refuses a run whose live verdict was not the expected one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-live.sh"
[ $# -gt 0 ] || live_die "usage: save-root.sh GUEST..."
for g in "$@"; do
	run=$LIVE_WORK/runs/$g
	[ -d "$run/results/collect" ] || live_die "$run/results/collect: no collected root (run live-test.sh $g first)"
	"$here/json-same.py" "$run/results/detect.json" "$run/root-detect.json" >/dev/null ||
		live_die "$g: the collected root does not read back as the live verdict; not saving it"
	size=$(du -sk "$run/results/collect" | cut -f1)
	[ "$size" -lt 2048 ] || live_die "$g: collected root is ${size} KiB; fixtures stay small"
	dest=$LIVE_SRC/tests/roots/live-$g
	rm -rf "$dest" && mkdir -p "$dest"
	cp -a "$run/results/collect/." "$dest/"
	how=$(live_guest_field "$g" boot)
	{
		echo "# live-$g"
		echo
		echo "Written by \`virtmode collect\` inside a real guest booted by the live test bed"
		echo "(\`tests/live/live-test.sh $g\`, boot kind \`$how\` in \`tests/live/guests.tsv\`), then copied here by"
		echo "\`tests/live/save-root.sh $g\`. Nothing in it was edited."
		echo
		echo "- kernel: \`$(cat "$run/results/uname.txt")\`"
		echo "- kernel command line: \`$(cat "$run/results/cmdline.txt")\`"
		case "$how" in
		qemu) echo "- machine: qemu-system-x86_64 $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') TCG, virtio-blk, virtio-net" ;;
		*) echo "- hypervisor: Debian's xen-hypervisor-4.17-amd64 ($(grep -m1 -o 'Xen version [^ ]*' "$run/console.log" || echo 'Xen 4.17')) under qemu-system-x86_64 TCG; see \`tests/live/boot.sh\` for the exact command line" ;;
		esac
		echo "- virtmode: $(git -C "$LIVE_SRC" describe --always --dirty 2>/dev/null || echo unknown), linked statically"
		echo "- captured: $(date -u +%Y-%m-%d)"
		echo
		echo "The live verdict was hypervisor/mode/domain/spectrum \`$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); x = j["xen"] or {}; s = j["spectrum"]
print(j["hypervisor"], x.get("mode") or "-", x.get("domain") or "-", *s.values())' "$run/results/detect.json")\`;"
		echo "\`tests/live/roots-test.sh\` checks this root still gives it."
	} >"$dest/README.md"
	live_log "saved tests/roots/live-$g ($(du -sk "$dest" | cut -f1) KiB)"
done
