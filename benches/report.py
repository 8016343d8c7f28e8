"""Merges our benchmark JSON with the peers' into one document (machine, date, versions) and
prints a Markdown table of times and ratios (peer time / our time: > 1 means we are faster)."""
import datetime, json, platform, sys

# report.py OURS.json [PEERS.json ...] OUT.json
ours = json.load(open(sys.argv[1]))
peers = {"peers": [], "errors": {}, "versions": {}}
for path in sys.argv[2:-1]:
    try:
        doc = json.load(open(path))
    except Exception as e:  # a peer script that failed entirely
        peers["errors"][path] = repr(e)[:200]
        continue
    peers["peers"] += doc.get("peers", [])
    peers["errors"].update(doc.get("errors", {}))
    peers["versions"].update(doc.get("versions", {}))
out = sys.argv[-1]
# bytes/s: the measured fill bandwidth of the H200 (4 GiB torch fill, ENVIRONMENT.md) or H100
WRITE_BOUND = 4640e9 if "H200" in ours["device"] else 3154e9

rows = []
for r in ours["results"]:
    w = r["workload"]
    row = {"workload": w, "ours_ms": r["total_ms"], "factor_ms": r["factor_ms"], "sample_ms": r["sample_ms"], "readback_ms": r["readback_ms"],
           "device_inputs_ms": r.get("device_inputs_ms"), "bound_fraction": (r["out_bytes"] / WRITE_BOUND * 1e3) / r["total_ms"], "peers": {}}
    for p in peers["peers"]:
        if p["workload"] == w:
            row["peers"][p["impl"]] = {"ms": p["ms"], "ratio": p["ms"] / r["total_ms"]}
            if row["device_inputs_ms"]:
                row["peers"][p["impl"]]["ratio_device_inputs"] = p["ms"] / row["device_inputs_ms"]
    rows.append(row)

doc = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "machine": platform.node(), "platform": platform.platform(),
       "device": ours["device"], "ours": ours, "peer_versions": peers.get("versions", {}), "peer_errors": peers.get("errors", {}), "rows": rows}
json.dump(doc, open(out, "w"), indent=1)

impls = sorted({k for r in rows for k in r["peers"]})
print(f"device: {ours['device']}  peers: {peers.get('versions', {})}")
print("| workload | ours (ms) | factor | sample | readback | inputs on the device | write-bound fraction | " + " | ".join(impls) + " |")
print("|---" * (7 + len(impls)) + "|")
for r in rows:
    def cell(p):
        dev = f" / {p['ratio_device_inputs']:.2f}x" if "ratio_device_inputs" in p else ""
        return f"{p['ms']:.3f} ({p['ratio']:.2f}x{dev})"
    cells = [cell(r["peers"][i]) if i in r["peers"] else "-" for i in impls]
    rb = f"{r['readback_ms']:.3f}" if r["readback_ms"] is not None else "-"
    dv = f"{r['device_inputs_ms']:.3f}" if r["device_inputs_ms"] is not None else "-"
    print(f"| {r['workload']} | {r['ours_ms']:.3f} | {r['factor_ms']:.3f} | {r['sample_ms']:.3f} | {rb} | {dv} | {r['bound_fraction']:.2f} | " + " | ".join(cells) + " |")
if peers.get("errors"):
    print("peer errors:", peers["errors"])
