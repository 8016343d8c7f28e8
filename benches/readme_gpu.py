"""Writes the README's GPU table from one harness run: README.md between the markers
<!-- gpu-table:start --> and <!-- gpu-table:end --> (benches/gpu_run.sh calls it; by hand:
python3 benches/readme_gpu.py benches/results/gpu-h200-latest.json README.md)."""
import json, sys

doc = json.load(open(sys.argv[1]))
path = sys.argv[2]
LABEL = {"W1": "W1 d=3, 2²⁴ samples", "W2": "W2 d=64, 2²⁰", "W3": "W3 d=512, 2¹⁶", "W4": "W4 d=8, 16,384 covariances"}
PEERS = ["jax (default)", "torch (cholesky+randn+addmm)", "torch.distributions", "cupy"]


def ms(v):
    return f"{v:.3g} ms" if v >= 1 else f"{v:.3f} ms"


lines = [
    "| workload | ours (factor + sample) | ours, inputs on the device | readback | JAX (default) | PyTorch by hand | torch.distributions | CuPy |",
    "|---|---|---|---|---|---|---|---|",
]
for r in doc["rows"]:
    ours = f"{ms(r['ours_ms'])} ({r['factor_ms']:.2f} + {r['sample_ms']:.2f})"
    dev = ms(r["device_inputs_ms"]) if r.get("device_inputs_ms") else "–"
    mb = doc["ours"]["results"][[x["workload"] for x in doc["ours"]["results"]].index(r["workload"])]["out_bytes"]
    rb = f"{ms(r['readback_ms'])} ({mb / r['readback_ms'] / 1e6:.1f} GB/s)" if r.get("readback_ms") else "–"
    cells = []
    for p in PEERS:
        q = r["peers"].get(p)
        if not q:
            cells.append("–")
            continue
        # The peers' inputs are on the device: the ratio is peer / our faster path.
        ratio = max(q["ratio"], q.get("ratio_device_inputs", 0))
        cells.append(f"{ms(q['ms'])} ({ratio:.2f}×)")
    lines.append(f"| {LABEL.get(r['workload'], r['workload'])} | {ours} | {dev} | {rb} | " + " | ".join(cells) + " |")
table = "\n".join(lines)

text = open(path).read()
start, end = "<!-- gpu-table:start -->", "<!-- gpu-table:end -->"
a, b = text.index(start) + len(start), text.index(end)
open(path, "w").write(text[:a] + f"\n<!-- written by benches/readme_gpu.py from {doc['device']}, {doc['date'][:10]} -->\n" + table + "\n" + text[b:])
print(table)
