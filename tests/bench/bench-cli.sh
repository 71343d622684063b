#!/usr/bin/env bash
# virtmode bench and bench compare, the binary end to end. Runs stay short (--quick, --only):
# the machine is shared.
. "$SRCDIR/tests/lib.sh"
FIX="$SRCDIR/tests/bench/fixtures"
T=$(mktemp -d "${TMPDIR:-/tmp}/vm-bench-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
is() { ok $([ "$1" = "$2" ] && echo 0 || echo 1) "$3 (got '$1', want '$2')"; }
has() { ok $(grep -q -- "$2" "$1" && echo 0 || echo 1) "$3"; [ "$failed" = 0 ] || true; }
lines() { wc -l <"$1" | tr -d ' '; }

"$VIRTMODE" bench --list >"$T/list"
is "$(lines "$T/list")" 24 "--list shows every metric"
has "$T/list" "^fork_exec " "--list names fork_exec"

"$VIRTMODE" bench --only nosuch >"$T/out" 2>"$T/err"; rc=$?
is $rc 2 "--only with an unknown metric exits 2"
has "$T/err" "virtmode: --only: 'nosuch' is not a metric" "and names it"
is "$(lines "$T/out")" 0 "and prints nothing on stdout"

# A real quick run of the CPU metrics, as a result file, then read back by compare.
"$VIRTMODE" bench --quick --only syscall,clock_gettime,int_loop,fork_exec --json >"$T/a.json" 2>"$T/err"; rc=$?
is $rc 0 "bench --quick --only ... --json exits 0"
check "the result is JSON with four measured metrics" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "virtmode-bench-result" and d["schema_version"] == 1
m = {x["name"]: x for x in d["metrics"]}
assert sorted(m) == ["clock_gettime", "fork_exec", "int_loop", "syscall"], sorted(m)
for x in m.values():
    assert x["status"] == "ok", x
    assert x["ci_low"] <= x["median"] <= x["ci_high"] and len(x["samples"]) >= 7
    assert x["iterations"] >= 1
assert 1 < m["syscall"]["median"] < 100000, m["syscall"]["median"]
assert m["fork_exec"]["unit"] == "us" and m["fork_exec"]["median"] > 10
assert d["machine"]["clocksource"] and d["machine"]["ncpu"] >= 1 and "detect" in d' "$T/a.json"

"$VIRTMODE" bench compare "$T/a.json" "$T/a.json" >"$T/cmp" 2>"$T/err"; rc=$?
is $rc 0 "compare of a file with itself exits 0"
has "$T/cmp" "^syscall .* +0.0% *no (p=1)" "and finds no change in syscall"
has "$T/cmp" "page-table work: no significant change" "and attributes nothing"

"$VIRTMODE" bench compare "$FIX/xen-a.json" "$FIX/xen-b.json" --svg "$T/chart.svg" >"$T/cmp"; rc=$?
is $rc 0 "compare of the xen fixture pair with --svg exits 0"
has "$T/cmp" "timer and wake-up work 5.00× slower on .*xen-b.json .* interrupts & timers are P there, VH here" "attribution line"
check "--svg writes an SVG with one bar per metric" python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
assert r.tag.endswith("svg")
bars = [e for e in r.iter() if e.tag.endswith("rect") and e.get("fill") != "white"]
assert len(bars) == 7, len(bars)' "$T/chart.svg"
check "--svg is wide enough for its title, full paths and all (7 px a character at 14 px)" python3 -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
title = next(e.text for e in r.iter() if e.tag.endswith("text"))
assert sys.argv[2] in title and int(r.get("width")) >= 10 + 7 * len(title), (r.get("width"), len(title))' "$T/chart.svg" "$FIX/xen-b.json"
"$VIRTMODE" bench compare "$FIX/xen-a.json" "$FIX/xen-b.json" --json >"$T/cmp.json"
check "compare --json is JSON with significance" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = {x["name"]: x for x in d["metrics"]}
assert m["clock_gettime"]["significant"] and abs(m["clock_gettime"]["change_pct"] - 400) < 1e-6
assert not m["syscall"]["significant"]' "$T/cmp.json"

# Bad result files: one error line naming the file and the field, exit 2, nothing on stdout.
head -c 700 "$FIX/run1.json" >"$T/truncated.json"
echo '{"hypervisor": "kvm"}' >"$T/foreign.json"
sed '0,/"median"/s/"median": *[0-9.e+-]*/"median":"fast"/' "$FIX/run1.json" >"$T/badfield.json"
for f in truncated foreign badfield missing; do
	"$VIRTMODE" bench compare "$FIX/run1.json" "$T/$f.json" >"$T/out" 2>"$T/err"; rc=$?
	is $rc 2 "compare refuses $f.json with exit 2"
	is "$(lines "$T/err")$(lines "$T/out")" 10 "$f.json: exactly one error line, no output"
	has "$T/err" "^virtmode: $T/$f.json: " "$f.json: the error names the file"
done
has <(cat "$T/err") "No such file" "a missing file says so"
"$VIRTMODE" bench compare "$FIX/run1.json" "$T/truncated.json" 2>"$T/err"
has "$T/err" "ends early" "truncated: says it ends early"
"$VIRTMODE" bench compare "$FIX/run1.json" "$T/foreign.json" 2>"$T/err"
has "$T/err" "not a virtmode bench result: field 'format' is missing" "foreign: names the format field"
"$VIRTMODE" bench compare "$FIX/run1.json" "$T/badfield.json" 2>"$T/err"
has "$T/err" "field 'metrics\[0\].median' is not a finite number" "bad field: names metrics[0].median"

# The disk test file is removed when the run is interrupted. The default (not quick) disk metric
# keeps the file long enough to catch it; the exit status proves the signal, not the end of the
# run, did the removal.
for sig in INT TERM; do
	d="$T/sig-$sig"; mkdir "$d"
	"$VIRTMODE" bench --only disk_randread,disk_randwrite --dir "$d" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 500); do [ -n "$(ls -A "$d")" ] && break; sleep 0.01; done
	seen=$(ls -A "$d")
	sleep 0.2
	kill -$sig $pid; wait $pid; rc=$?
	ok $([ -n "$seen" ] && echo 0 || echo 1) "SIG$sig: the disk file existed while running ($seen)"
	is $rc $((128 + $(kill -l $sig))) "SIG$sig: virtmode died of the signal"
	is "$(ls -A "$d")" "" "SIG$sig: nothing left in --dir"
done

# The fork metrics fork from a server process (virtmode-bench-forker): it lives for its metric
# only, and dies with virtmode when virtmode is killed (dead means gone, or a zombie where PID 1
# does not reap, as in some containers). TERM, not INT: a background job of a script starts with
# SIGINT ignored, and fork_exit alone installs no handler that would undo that.
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
forker_of() { pgrep -P "$1" -f virtmode-bench-forker | head -1; }
for how in end TERM; do
	"$VIRTMODE" bench --only fork_exit >/dev/null 2>&1 &
	pid=$!; f=
	for _ in $(seq 500); do f=$(forker_of $pid); [ -n "$f" ] && break; sleep 0.01; done
	ok $([ -n "$f" ] && echo 0 || echo 1) "fork server ($how): fork_exit runs in a child server ($f)"
	if [ $how = TERM ]; then kill -TERM $pid; fi
	wait $pid; rc=$?
	[ $how = end ] && is $rc 0 "fork server (end): the run exits 0"
	[ $how = TERM ] && is $rc 143 "fork server (TERM): virtmode died of the signal"
	sleep 0.1
	ok $([ -n "$f" ] && gone "$f" && echo 0 || echo 1) "fork server ($how): it is gone after virtmode"
done

# The default --dir: a temp dir under the current directory, removed after the run.
mkdir "$T/cwd"
(cd "$T/cwd" && "$VIRTMODE" bench --quick --only disk_seqread --json >"$T/disk.json"); rc=$?
is $rc 0 "a disk metric in the current directory exits 0"
is "$(ls -A "$T/cwd")" "" "and leaves nothing behind"
check "and measured something" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metrics"][0]
assert m["name"] == "disk_seqread" and m["status"] == "ok" and m["median"] > 0, m' "$T/disk.json"

# A read-only and a full filesystem, unprivileged: a user + mount namespace (unshare -rm) makes a
# read-only bind of a real directory and a 2 MiB tmpfs filled to the last block.
if unshare -rm true 2>/dev/null; then
	mkdir "$T/ro"
	unshare -rm sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && cd "$1" &&
		"$2" bench --quick --only disk_randread --dir "$1" >"$3/ro.out" 2>"$3/ro.err"; echo $? >"$3/ro.rc";
		"$2" bench --quick --only disk_randread >"$3/ro2.out" 2>"$3/ro2.err"; echo $? >"$3/ro2.rc"' \
		sh "$T/ro" "$VIRTMODE" "$T"
	is "$(cat "$T/ro.rc")" 1 "read-only --dir: exit 1"
	has "$T/ro.err" "virtmode: $T/ro: cannot create the disk test file: Read-only file system" "read-only --dir: clear error"
	is "$(lines "$T/ro.err")$(lines "$T/ro.out")" 10 "read-only --dir: one error line, no output"
	is "$(cat "$T/ro2.rc")" 1 "read-only current directory without --dir: exit 1"
	has "$T/ro2.err" "cannot create a directory for the disk test: Read-only file system" "and says so"
	is "$(ls -A "$T/ro")" "" "read-only: nothing left behind"

	unshare -rm sh -c 'mkdir -p "$3/full" && mount -t tmpfs -o size=2m tmpfs "$3/full" &&
		dd if=/dev/zero of="$3/full/filler" bs=64k 2>/dev/null; sync;
		"$2" bench --quick --only disk --dir "$3/full" >"$3/full.out" 2>"$3/full.err"; echo $? >"$3/full.rc";
		ls -A "$3/full" >"$3/full.ls"' sh "" "$VIRTMODE" "$T"
	# 24 MiB free: a 6 MiB disk file, too small for the 16 MiB the file-mapping metrics map.
	unshare -rm sh -c 'mkdir -p "$3/small" && mount -t tmpfs -o size=24m tmpfs "$3/small" &&
		"$2" bench --quick --only file --dir "$3/small" --json >"$3/small.json" 2>"$3/small.err"; echo $? >"$3/small.rc"' \
		sh "" "$VIRTMODE" "$T"
	is "$(cat "$T/small.rc")" 0 "a disk file under 16 MiB: exit 0 $(head -c 200 "$T/small.err")"
	check "and both file-mapping metrics are skipped, saying why" python3 -c '
import json, sys
ms = json.load(open(sys.argv[1]))["metrics"]
assert [(m["name"], m["status"]) for m in ms] == [("file_page_fault", "skipped"), ("file_mmap", "skipped")], ms
assert all("smaller than the 16 MiB" in m["note"] for m in ms), ms' "$T/small.json"

	is "$(cat "$T/full.rc")" 1 "full --dir: exit 1"
	has "$T/full.err" "not enough free space for the disk test: 0 KiB free" "full --dir: clear error"
	is "$(cat "$T/full.ls")" "filler" "full --dir: nothing left behind"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11; do echo "ok $((n + i)) # SKIP unshare -rm not allowed here"; done
	n=$((n + 11))
fi

# No metric needs root: as root, run the privileged-looking ones (page tables, exec, disk) as nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$T" && mkdir "$T/nobody" && chmod 777 "$T/nobody"
	(cd "$T/nobody" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$VIRTMODE" bench --quick --only syscall,page_fault,fork_exec,ctx_switch_pinned,disk_randwrite --json \
		>"$T/nobody.json" 2>"$T/nobody.err"); rc=$?
	is $rc 0 "unprivileged (nobody): exits 0 $(head -c 200 "$T/nobody.err")"
	check "unprivileged: all five metrics measured" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [m["status"] for m in d["metrics"]] == ["ok"] * 5, d["metrics"]' "$T/nobody.json"
else
	echo "ok $((n + 1)) # SKIP not root: the whole suite already ran unprivileged"; echo "ok $((n + 2)) # SKIP"; n=$((n + 2))
fi

# The whole quick suite: every metric measured, within its time budget with room for a busy machine.
"$VIRTMODE" bench --quick --dir "$T" >"$T/table" 2>"$T/err"; rc=$?
is $rc 0 "the quick suite exits 0"
is "$(grep -cE '^(syscall|clock_gettime|gettimeofday|page_fault|mmap_munmap|file_page_fault|file_mmap|fork_exit|fork_exec|ctx_switch_pinned|pipe_rtt_pinned|mem_copy|int_loop|nanosleep|disk_randread|disk_randwrite|disk_seqread|disk_seqwrite|tcp_rtt_pinned|tcp_stream_pinned) +[0-9]' "$T/table")" 20 "every single-CPU metric has a median"
has "$T/table" "^clocksource\|clocksource [a-z]" "the table header records the clocksource"
is "$(ls -A "$T" | grep -c virtmode-bench)" 0 "no disk file left in --dir"
done_testing
