#!/usr/bin/env bash
# virtmode bench against its packaged peers, in the same run, on the same machine.
#
# lmbench is not packaged in Debian 12, so each shared metric is measured by a Debian-packaged peer
# that defines it the same way (same system call, same pinning, same unit):
#   syscall            perf bench syscall basic          getppid() through syscall(2), ns/call
#   clock_gettime      stress-ng --vdso clock_gettime    vDSO call, ns, stress-ng's loop overhead excluded
#   gettimeofday       stress-ng --vdso gettimeofday     the same
#   pipe_rtt_pinned    taskset -c C perf bench sched pipe  two processes, one CPU, usecs per round trip
#   fork_exit          python3 os.fork/os._exit/waitpid  fork + _exit + wait (stress-ng --fork does much
#                      more per op: 3 ms here against 0.2 ms, so it is not the same thing)
#   fork_exec          python3 os.fork/os.execve/waitpid fork + execve of the same static helper + wait
#                      (hyperfine -N is printed too, for reference only: it spawns with posix_spawn,
#                      i.e. vfork semantics, so no page-table copy: a different thing)
#   disk_*             fio, psync, iodepth 1, O_DIRECT, on a file of the same size in the same dir
# Each peer and virtmode run RUNS (5) times back to back; medians of the per-run numbers are compared,
# and the CoV of virtmode's five per-run medians is printed.
#
# usage: bench/bench-vs-peers.sh [BUILD_DIR]   (default: build; needs linux-perf, stress-ng, fio, hyperfine)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
VM=${VIRTMODE:-$BUILD/src/virtmode}
HELPER=$(dirname "$VM")/bench/virtmode-bench-helper
RUNS=${RUNS:-5}
[ -x "$VM" ] || { echo "bench-vs-peers: $VM: not built (ninja -C $BUILD)" >&2; exit 2; }
[ -x "$HELPER" ] || { echo "bench-vs-peers: $HELPER: not built" >&2; exit 2; }
for t in perf stress-ng fio hyperfine python3 taskset; do
	command -v $t >/dev/null || { echo "bench-vs-peers: $t missing (tools/ensure-packages)" >&2; exit 2; }
done
W=$(mktemp -d ./bench-vs-peers.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
CPU=$(taskset -pc $$ | sed 's/.*: //; s/[-,].*//')
DISK_MB=128   # virtmode's default disk file cap; fio gets a file of the same size

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   ($(nproc) CPUs, clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource))"

t0=$(date +%s.%N)
for i in $(seq $RUNS); do
	"$VM" bench --json --dir "$W" >"$W/vm$i.json" || { echo "bench-vs-peers: virtmode bench failed" >&2; exit 1; }
done
t1=$(date +%s.%N)

peer() { # NAME COMMAND...: runs it RUNS times, one number per line into $W/peer.NAME
	local name=$1; shift
	: >"$W/peer.$name"
	for i in $(seq $RUNS); do "$@" >>"$W/peer.$name" 2>/dev/null || echo nan >>"$W/peer.$name"; done
}
perf_usecs() { "$@" 2>&1 | awk '/usecs\/op/ {print $1}'; }
syscall_ns() { perf_usecs perf bench syscall basic -l 2000000 | awk '{print $1 * 1000}'; }
pipe_us() { perf_usecs taskset -c "$CPU" perf bench sched pipe -l 100000; }
vdso_ns() { stress-ng --vdso 1 --vdso-func "$1" -t 2 --metrics 2>&1 | awk '/nanosecs per call/ {print $(NF-11)}'; }
fork_us() { fork_exec_us exit; }
fork_exec_us() {
	python3 - "$HELPER" "${1:-exec}" <<'PY'
import os, sys, time
h, what = sys.argv[1], sys.argv[2]
def once():
    p = os.fork()
    if p == 0:
        try:
            if what == "exec":
                os.execve(h, [h], {})
        finally:
            os._exit(0 if what == "exit" else 127)
    os.waitpid(p, 0)
for _ in range(50):
    once()
n = 1000
t = time.perf_counter()
for _ in range(n):
    once()
print((time.perf_counter() - t) / n * 1e6)
PY
}
hyperfine_us() {
	hyperfine -N --warmup 50 --runs 1000 --export-json "$W/hf.json" "$HELPER" >/dev/null 2>&1 &&
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"] * 1e6)' "$W/hf.json"
}
fio_run() { # RW BS FIELD
	fio --name=p --filename="$W/fio.dat" --size=${DISK_MB}M --rw=$1 --bs=$2 --direct=1 --iodepth=1 \
		--ioengine=psync --runtime=2 --time_based --ramp_time=0.3 --output-format=json 2>/dev/null |
		python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; k="read" if "read" in sys.argv[1] else "write"; print(j[k]["iops"] if sys.argv[2]=="iops" else j[k]["bw_bytes"]/1e6)' $1 $3
}

t2=$(date +%s.%N)
peer syscall syscall_ns
peer clock_gettime vdso_ns clock_gettime
peer gettimeofday vdso_ns gettimeofday
peer pipe_rtt_pinned pipe_us
peer fork_exit fork_us
peer fork_exec fork_exec_us
peer fork_exec_spawn hyperfine_us
peer disk_randread fio_run randread 4k iops
peer disk_randwrite fio_run randwrite 4k iops
peer disk_seqread fio_run read 1M bw
peer disk_seqwrite fio_run write 1M bw
t3=$(date +%s.%N)

python3 - "$W" "$RUNS" "$t0" "$t1" "$t2" "$t3" <<'PY'
import json, math, statistics as st, sys
w, runs = sys.argv[1], int(sys.argv[2])
t0, t1, t2, t3 = map(float, sys.argv[3:7])
vm = [json.load(open(f"{w}/vm{i}.json")) for i in range(1, runs + 1)]
per = {}
for r in vm:
    for m in r["metrics"]:
        if m["status"] == "ok":
            per.setdefault(m["name"], (m["unit"], m["cell"], []))[2].append(m["median"])
def peer(name):
    try:
        v = [float(x) for x in open(f"{w}/peer.{name}") if x.strip() and x.strip() != "nan"]
    except OSError:
        return None
    return st.median(v) if v else None
peers = {"syscall": "perf bench syscall basic", "clock_gettime": "stress-ng --vdso", "gettimeofday": "stress-ng --vdso",
         "pipe_rtt_pinned": "taskset perf bench sched pipe", "fork_exit": "python3 fork+_exit",
         "fork_exec": "python3 fork+execve", "disk_randread": "fio randread 4k direct",
         "disk_randwrite": "fio randwrite 4k direct", "disk_seqread": "fio read 1M direct", "disk_seqwrite": "fio write 1M direct"}
cpu = {"syscall", "clock_gettime", "gettimeofday", "page_fault", "mmap_munmap", "fork_exit", "fork_exec",
       "ctx_switch_pinned", "pipe_rtt_pinned", "int_loop", "mem_copy"}
print(f"\n{'metric':18} {'unit':5} {'virtmode':>10} {'peer':>10} {'ratio':>6}  {'CoV(5)':>7} {'target':>7}  peer")
bad = 0
for name, (unit, cell, meds) in per.items():
    med = st.median(meds)
    cov = st.stdev(meds) / st.mean(meds) * 100 if len(meds) > 1 else 0
    lim = 3 if name in cpu else 10
    p = peer(name) if name in peers else None
    ratio = med / p if p else None
    ok_ratio = ratio is None or abs(ratio - 1) <= 0.15
    ok_cov = cov <= lim
    bad += (not ok_ratio) + (not ok_cov)
    verdict = ("ok" if ok_ratio and ok_cov else "MISS")
    print(f"{name:18} {unit:5} {med:10.4g} {(f'{p:.4g}' if p else '-'):>10} {(f'{ratio:.2f}' if ratio else '-'):>6}  {cov:6.1f}% {('<=%d%%' % lim):>7}  {verdict:4} {peers.get(name, 'no packaged peer')}")
s = peer("fork_exec_spawn")
if s:
    print(f"{'(fork_exec)':18} {'us':5} {'':10} {s:10.4g} {'':6}  {'':7} {'':7}       hyperfine -N: posix_spawn (vfork), reference only")
walls = [r["wall_s"] for r in vm]
print(f"\nvirtmode full suite: median {st.median(walls):.1f} s per run ({runs} runs: {t1 - t0:.0f} s); "
      f"the peers' runs of the shared metrics: {(t3 - t2) / runs:.1f} s per round ({t3 - t2:.0f} s)")
print("loaded runs: %d of %d (other processes kept %s CPUs busy)" % (sum(r["machine"]["loaded"] for r in vm), runs,
      ", ".join("%.2f" % r["machine"]["others_busy_cpus"] for r in vm)))
loaded = sum(r["machine"]["loaded"] for r in vm)
if loaded:
    print("warning: the machine was loaded; the peers time wall clock over long loops, preemption included, while\n"
          "virtmode retakes samples the scheduler preempted: on a loaded machine a ratio below 1 measures the\n"
          "contention, not a disagreement, and the CoV measures how the load moved between runs")
print(f"targets missed: {bad}")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
