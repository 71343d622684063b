# Shared TAP helpers for shell tests: source it, call ok/check, end with done_testing.
n=0; failed=0
ok()   { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed+1)); fi; }
# check DESCRIPTION COMMAND...: runs the command, ok when it exits 0.
check() { local d=$1; shift; if "$@" >/tmp/vm-check.$$ 2>&1; then ok 0 "$d"; else ok 1 "$d"; sed 's/^/#   /' /tmp/vm-check.$$ | head -20; fi; rm -f /tmp/vm-check.$$; }
done_testing() { echo "1..$n"; [ "$failed" = 0 ]; }
