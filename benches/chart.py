"""Draws the benchmark results (benches/results/*.json, as written by report.py and
browser_run.mjs) as SVG bar charts: one group of bars per workload, one bar per implementation,
milliseconds on a log scale (shorter is faster). No dependencies beyond the standard library.

python3 benches/chart.py RESULTS.json OUT.svg "Title"
"""
import html, json, math, sys

PALETTE = ["#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]


def series(doc):
    """[(workload, [(impl, ms)])] with ours first."""
    out = []
    for r in doc["rows"]:
        bars = [("mvn-gpu" + (" (WebGPU)" if "ours_cpu_ms" in r else ""), r["ours_ms"])]
        for name, p in r["peers"].items():
            ms = p.get("ms") if isinstance(p, dict) else None
            if ms is not None and ms > 0:
                bars.append((name, ms))
        out.append((r["workload"], bars))
    return out


def chart(doc, title):
    data = series(doc)
    impls = []
    for _, bars in data:
        for name, _ in bars:
            if name not in impls:
                impls.append(name)
    color = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(impls)}
    values = [ms for _, bars in data for _, ms in bars]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    bar_w, gap, left, top, plot_h = 16, 28, 70, 50, 260
    group_w = [len(bars) * bar_w for _, bars in data]
    width = left + sum(group_w) + gap * (len(data) + 1) + 250
    height = top + plot_h + 60

    def y(ms):
        return top + plot_h * (1 - (math.log10(ms) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))

    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{left}" y="22" font-size="14" font-weight="bold">{html.escape(title)}</text>',
         f'<text x="{left}" y="38" fill="#555">milliseconds per call, log scale (shorter is faster); device: {html.escape(str(doc.get("device", "")))}</text>']
    e = int(math.log10(lo))
    while 10 ** e <= hi:
        yy = y(10 ** e)
        label = f"{10 ** e:g}"
        s.append(f'<line x1="{left}" x2="{width - 250}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>')
        s.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#555">{label}</text>')
        e += 1
    x = left + gap
    for (w, bars), gw in zip(data, group_w):
        for name, ms in bars:
            yy = y(ms)
            s.append(f'<rect x="{x}" y="{yy:.1f}" width="{bar_w - 2}" height="{top + plot_h - yy:.1f}" fill="{color[name]}">'
                     f'<title>{html.escape(name)}: {ms:.3g} ms</title></rect>')
            x += bar_w
        s.append(f'<text x="{x - gw / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-weight="bold">{html.escape(w)}</text>')
        x += gap
    lx = width - 240
    for i, name in enumerate(impls):
        ly = top + 14 * i
        s.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{color[name]}"/>')
        s.append(f'<text x="{lx + 14}" y="{ly + 9}">{html.escape(name)}</text>')
    s.append(f'<text x="{left}" y="{height - 12}" fill="#555">measured {html.escape(doc.get("date", "")[:10])}; raw data in benches/results/</text>')
    s.append("</svg>")
    return "\n".join(s) + "\n"


if __name__ == "__main__":
    doc = json.load(open(sys.argv[1]))
    open(sys.argv[2], "w").write(chart(doc, sys.argv[3] if len(sys.argv) > 3 else sys.argv[1]))
