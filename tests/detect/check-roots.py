#!/usr/bin/env python3
"""For every tests/detect/expected/NAME.json: run `virtmode --root tests/roots/NAME detect --json` and check
the fields the expectation names (TAP). Expectation keys: hypervisor, container, cloud, platform, layers
(list of names, innermost first), xen (null or {mode, domain, features: [subset]}), spectrum (the four
cells), clocksource (current), drivers (disk/network drivers in order), advice (ids that must be there),
exit (the exit status)."""
import json
import os
import subprocess
import sys

virtmode = os.environ["VIRTMODE"]
src = os.environ["SRCDIR"]
expected_dir = os.path.join(src, "tests", "detect", "expected")
n = failed = 0


def ok(cond, what, detail=""):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    if not cond:
        failed += 1
        for line in detail.splitlines():
            print("#   " + line)


only = sys.argv[1:]
for name in sorted(f[:-5] for f in os.listdir(expected_dir) if f.endswith(".json")):
    if only and name not in only:
        continue
    with open(os.path.join(expected_dir, name + ".json"), encoding="utf-8") as f:
        want = json.load(f)
    root = os.path.join(src, "tests", "roots", name)
    p = subprocess.run([virtmode, "--root", root, "detect", "--json"], capture_output=True, text=True)
    try:
        got = json.loads(p.stdout)
    except ValueError:
        ok(False, f"{name}: JSON", p.stdout[:500] + p.stderr[:500])
        continue
    if "exit" in want:
        ok(p.returncode == want["exit"], f"{name}: exit status {want['exit']}", f"got {p.returncode}")
    for key in ("hypervisor", "container", "cloud", "platform"):
        if key in want:
            ok(got.get(key) == want[key], f"{name}: {key} {want[key]}", f"got {got.get(key)!r}")
    if "layers" in want:
        layers = [l["name"] for l in got["layers"]]
        ok(layers == want["layers"], f"{name}: layers {want['layers']}", f"got {layers}")
    if "xen" in want:
        wx, gx = want["xen"], got.get("xen")
        if wx is None:
            ok(gx is None, f"{name}: xen null", f"got {gx}")
        else:
            for k in ("mode", "domain"):
                ok(gx is not None and gx.get(k) == wx[k], f"{name}: xen.{k} {wx[k]}", f"got {gx and gx.get(k)!r}")
            if "features" in wx:
                missing = [x for x in wx["features"] if not gx or x not in gx["features"]]
                ok(not missing, f"{name}: xen.features has {wx['features']}", f"missing {missing}; got {gx and gx['features']}")
    if "spectrum" in want:
        cols = ["disk_network", "interrupts_timers", "motherboard_boot", "privileged_pagetables"]
        w = [want["spectrum"][c] for c in cols]
        g = [got["spectrum"].get(c) for c in cols]
        ok(w == g, f"{name}: spectrum {w}", f"got {g}")
    if "clocksource" in want:
        ok(got["clocksource"]["current"] == want["clocksource"], f"{name}: clocksource {want['clocksource']}",
           f"got {got['clocksource']['current']!r}")
    if "drivers" in want:
        drivers = [d["driver"] for d in got["devices"]]
        ok(drivers == want["drivers"], f"{name}: drivers {want['drivers']}", f"got {drivers}")
    if "advice" in want:
        ids = [a["id"] for a in got["advice"]]
        missing = [a for a in want["advice"] if a not in ids]
        ok(not missing, f"{name}: advice {want['advice']}", f"missing {missing}; got {ids}")
print(f"1..{n}")
sys.exit(1 if failed else 0)
