#!/usr/bin/env bash
# The command router: help, version, unknown commands.
. "$SRCDIR/tests/lib.sh"
check "--help exits 0 and lists commands" bash -c '"$VIRTMODE" --help | grep -q "^  convert"'
check "--version prints the version" bash -c '"$VIRTMODE" --version | grep -Eq "^virtmode [0-9]+\.[0-9]+"'
"$VIRTMODE" no-such-command 2>/tmp/vm-err.$$; rc=$?
ok $([ $rc = 2 ] && echo 0 || echo 1) "unknown command exits 2 (got $rc)"
ok $(grep -q "no-such-command: unknown command" /tmp/vm-err.$$ && echo 0 || echo 1) "unknown command names itself"
rm -f /tmp/vm-err.$$
"$VIRTMODE" --root "" 2>/dev/null; rc=$?
ok $([ $rc = 2 ] && echo 0 || echo 1) "empty --root refused"
done_testing
