"""Merges benches/logprob.rs's JSON with benches/peers/logprob.py's and prints a Markdown table:
times, ratios (peer / ours with points on the device: > 1 means we are faster) and each impl's
sum of log-densities relative to ours (the same inputs, so they must agree).
Usage: logprob_report.py OURS.json PEERS.json [PEERS.json ...] OUT.json"""
import datetime, json, sys

ours = json.load(open(sys.argv[1]))
peers = {"peers": [], "errors": {}, "versions": {}}
for path in sys.argv[2:-1]:
    try:
        doc = json.load(open(path))
    except Exception as e:  # a peer that failed or timed out
        peers["errors"][path] = repr(e)[:200]
        continue
    for k in ("errors", "versions"):
        peers[k].update(doc.get(k, {}))
    peers["peers"] += doc.get("peers", [])
rows = []
for r in ours["results"]:
    row = dict(r, peers={})
    for p in peers["peers"]:
        if p["workload"] == r["workload"]:
            row["peers"][p["impl"]] = {"ms": p["ms"], "ratio": p["ms"] / r["device_ms"], "sum_rel_diff": abs(p["sum"] - r["sum"]) / abs(r["sum"])}
    rows.append(row)
doc = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "device": ours["device"], "ours": ours, "peer_versions": peers.get("versions", {}), "peer_errors": peers.get("errors", {}), "rows": rows}
json.dump(doc, open(sys.argv[-1], "w"), indent=1)
impls = sorted({k for r in rows for k in r["peers"]})
print(f"device: {ours['device']}  peers: {peers.get('versions', {})}  errors: {peers.get('errors', {})}")
print("| workload | n | points | ours, device points (ms) | ours, host points (ms) | " + " | ".join(impls) + " |")
print("|---" * (5 + len(impls)) + "|")
for r in rows:
    cells = [f"{r['peers'][i]['ms']:.3f} ({r['peers'][i]['ratio']:.2f}×, sum Δ {r['peers'][i]['sum_rel_diff']:.1e})" if i in r["peers"] else "-" for i in impls]
    print(f"| {r['workload']} | {r['n']} | {r['points']} | {r['device_ms']:.3f} | {r['host_ms']:.3f} | " + " | ".join(cells) + " |")
