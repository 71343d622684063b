#!/usr/bin/env bash
# virtmode detect against systemd-detect-virt and virt-what (both Debian packages), in one hyperfine run on
# the same machine: median wall time of each, and the ratios. Targets: virtmode detect no slower than
# systemd-detect-virt, and at least 20 times faster than virt-what, while reporting far more.
#
# usage: bench/detect-vs-peers.sh [BUILD_DIR]   (default: build; RUNS=200 by default; virt-what wants root)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
VM=${VIRTMODE:-$BUILD/src/virtmode}
RUNS=${RUNS:-200}
[ -x "$VM" ] || { echo "detect-vs-peers: $VM: not built (ninja -C $BUILD)" >&2; exit 2; }
for t in hyperfine systemd-detect-virt virt-what python3; do
	command -v $t >/dev/null || { echo "detect-vs-peers: $t missing (tools/ensure-packages)" >&2; exit 2; }
done
out=$(mktemp); slow=$(mktemp); trap 'rm -f "$out" "$slow"' EXIT
# -N: no shell between hyperfine and the command, so a few-millisecond command is measured, not sh.
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$out" -i --style none \
	-n "virtmode detect" "$VM detect" \
	-n "virtmode detect --json" "$VM detect --json" \
	-n "systemd-detect-virt" "systemd-detect-virt" >/dev/null 2>&1 || { echo "detect-vs-peers: hyperfine failed" >&2; exit 1; }
# virt-what is a shell script that starts dozens of processes: fewer runs give the same precision.
hyperfine -N --warmup 2 --runs $(( RUNS / 10 > 10 ? RUNS / 10 : 10 )) --export-json "$slow" -i --style none \
	-n "virt-what" "virt-what" >/dev/null 2>&1 || { echo "detect-vs-peers: hyperfine (virt-what) failed" >&2; exit 1; }
python3 - "$out" "$slow" <<'PY'
import json, statistics, sys
results = [r for f in sys.argv[1:] for r in json.load(open(f))["results"]]
res = {r["command"]: statistics.median(r["times"]) for r in results}
base = res["virtmode detect"]
cpu = {r["command"]: r["user"] + r["system"] for r in results}  # hyperfine gives CPU as means
print(f"{'command':28s} {'median wall':>12s} {'ratio':>7s} {'mean CPU':>11s} {'ratio':>7s} {'runs':>5s}")
for r in results:
    m, c = res[r["command"]], cpu[r["command"]]
    print(f"{r['command']:28s} {m*1000:9.2f} ms {m/base:6.2f}x {c*1000:8.2f} ms {c/cpu['virtmode detect']:6.2f}x {len(r['times']):5d}")
sdv, vw = res["systemd-detect-virt"], res["virt-what"]
a = base <= sdv
b = vw / base >= 20
print(f"target: virtmode detect no slower than systemd-detect-virt: {'met' if a else 'MISSED'} "
      f"(systemd-detect-virt / virtmode = {sdv/base:.2f})")
print(f"target: virt-what at least 20x slower than virtmode detect: {'met' if b else 'MISSED'} "
      f"(virt-what / virtmode = {vw/base:.1f} wall, {cpu['virt-what']/cpu['virtmode detect']:.1f} CPU)")
with open("/proc/loadavg") as f:
    print(f"load average during the run: {f.read().split()[0]} (wall times on a busy machine include waiting)")
PY
