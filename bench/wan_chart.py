"""The WAN bench's SVG chart (bench/wan.py writes it from the figures it measured):
one panel per round-trip time, a row per directive, four bars each (lee and the
baseline, warm and cold medians) with lee's ratio to the baseline. Plain SVG text,
no plotting library (the bench runs with the Home Assistant venv's Python alone)."""
from html import escape

COLOURS = {
    ("lee", "warm"): "#1f77b4",
    ("baseline", "warm"): "#aec7e8",
    ("lee", "cold"): "#d62728",
    ("baseline", "cold"): "#ff9896",
}
LABELS = {
    ("lee", "warm"): "lee, warm container",
    ("baseline", "warm"): "docs Lambda, warm",
    ("lee", "cold"): "lee, cold process",
    ("baseline", "cold"): "docs Lambda, cold process",
}
BAR = 9
ROW_GAP = 12
LEFT = 150
WIDTH = 900


def _panel(out, y, title, rows, scale_ms):
    out.append(f'<text x="10" y="{y + 14}" font-size="14" font-weight="bold">{escape(title)}</text>')
    y += 26
    plot_w = WIDTH - LEFT - 120
    # Grid lines every 50 ms (100 ms past 500).
    step = 50 if scale_ms <= 500 else 100
    height = len(rows) * (4 * BAR + ROW_GAP)
    t = 0
    while t <= scale_ms:
        x = LEFT + plot_w * t / scale_ms
        out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + height}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{y + height + 12}" font-size="10" text-anchor="middle">{t}</text>')
        t += step
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{y + height + 26}" font-size="11" text-anchor="middle">milliseconds (median)</text>')
    for row in rows:
        out.append(f'<text x="{LEFT - 8}" y="{y + 2 * BAR + 4}" font-size="12" text-anchor="end">{escape(row["directive"])}</text>')
        for i, key in enumerate(COLOURS):
            value = row.get(key)
            by = y + i * BAR
            if value is None:
                continue
            w = max(1.0, plot_w * min(value, scale_ms) / scale_ms)
            out.append(f'<rect x="{LEFT}" y="{by}" width="{w:.1f}" height="{BAR - 1}" fill="{COLOURS[key]}"/>')
            text = f"{value:.0f}"
            if key[0] == "lee" and row.get(("baseline", key[1])):
                text += f"  ({value / row[('baseline', key[1])]:.2f}x)"
            out.append(f'<text x="{LEFT + w + 4:.1f}" y="{by + BAR - 1}" font-size="9">{escape(text)}</text>')
        y += 4 * BAR + ROW_GAP
    return y + 36


def write_svg(path, panels, subtitle):
    """`panels`: [(title, rows)], rows: {"directive", (who, kind): median_ms}."""
    scale = max(
        [v for _, rows in panels for r in rows for k, v in r.items() if k != "directive" and v] + [50]
    )
    scale_ms = ((int(scale) // 50) + 1) * 50
    out = []
    y = 10
    out.append(f'<text x="10" y="{y + 14}" font-size="16" font-weight="bold">'
               "lee in Lambda mode vs the docs Lambda, Home Assistant over TLS behind a delay proxy</text>")
    out.append(f'<text x="10" y="{y + 32}" font-size="11">{escape(subtitle)}</text>')
    y += 44
    lx = 10
    for key, colour in COLOURS.items():
        out.append(f'<rect x="{lx}" y="{y}" width="12" height="10" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="{y + 9}" font-size="11">{escape(LABELS[key])}</text>')
        lx += 200
    y += 20
    for title, rows in panels:
        y = _panel(out, y, title, rows, scale_ms)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y}" '
           f'viewBox="0 0 {WIDTH} {y}" font-family="sans-serif">\n'
           f'<rect width="{WIDTH}" height="{y}" fill="white"/>\n' + "\n".join(out) + "\n</svg>\n")
    with open(path, "w") as f:
        f.write(svg)
