#!/usr/bin/env python3
"""json-same.py LIVE ROOT: exit 0 when two `virtmode detect --json` outputs are the same verdict.

The live run and the run on what `virtmode collect` wrote must agree on every field except timing
(a key whose name says it is a time or a duration): collect is supposed to keep exactly the
evidence detect reads. On a difference, prints each differing path with both values.
"""
import json
import re
import sys

TIMING = re.compile(r"(^|_)(time|times|timing|elapsed|duration|took|timestamp|ns|us|ms|seconds)($|_)")


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if not TIMING.search(k)}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o


def diff(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            diff(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path or '.'}: live {json.dumps(a)[:200]} / root {json.dumps(b)[:200]}")


def main():
    docs = []
    for f in sys.argv[1:3]:
        try:
            with open(f) as fh:
                docs.append(strip(json.load(fh)))
        except (OSError, ValueError) as e:
            print(f"json-same: {f}: {e}")
            return 2
    out = []
    diff(docs[0], docs[1], "", out)
    print("\n".join(out[:40]))
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
