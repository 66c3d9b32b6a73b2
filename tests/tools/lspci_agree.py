#!/usr/bin/env python3
"""Compare `gpuvirt list --all --json` (file argv[1]) with `lspci -Dnnk`
(file argv[2]): the same addresses, ids, classes and drivers. Prints each
disagreement and exits 1 if there is any."""
import json
import re
import sys

gv = json.load(open(sys.argv[1]))
ls = {}
cur = None
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    m = re.match(r"^([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) .*\[([0-9a-f]{4})\]: .*\[([0-9a-f]{4}):([0-9a-f]{4})\]", line)
    if m:
        cur = m.group(1)
        ls[cur] = {"class": m.group(2), "vendor_id": m.group(3), "device_id": m.group(4), "driver": None}
        continue
    m = re.match(r"^\s+Kernel driver in use: (\S+)", line)
    if m and cur:
        ls[cur]["driver"] = m.group(1)

bad = 0
mine = {d["address"]: d for d in gv["devices"]}
for addr in sorted(set(ls) | set(mine)):
    if addr not in mine or addr not in ls:
        print(f"{addr}: only in {'lspci' if addr in ls else 'gpuvirt'}")
        bad += 1
        continue
    a, b = mine[addr], ls[addr]
    for key, val in (("class", a["class"][:4]), ("vendor_id", a["vendor_id"]),
                     ("device_id", a["device_id"]), ("driver", a["driver"])):
        if val != b[key]:
            print(f"{addr}: {key}: gpuvirt {val!r}, lspci {b[key]!r}")
            bad += 1
print(f"{len(mine)} devices compared, {bad} disagreements")
sys.exit(1 if bad or not mine else 0)
