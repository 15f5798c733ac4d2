"""A small PNG of the results against their targets (Pillow, already installed with fpdf2).

Each figure is drawn as the share of its target budget it uses (100 % = exactly on target;
for "at least" targets the inverse), one bar per backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

# (suite, field, label, target, "max" = must stay under, "min" = must reach)
FIGURES = [
    ("sync", "ratio", "sync / raw insert (<= 4x)", 4.0, "max"),
    ("plan", "plan_seconds", "plan 5,000 orders (<= 1.5 s)", 1.5, "max"),
    ("plan", "ratio", "plan / plain read (<= 5x)", 5.0, "max"),
    ("execute", "execute_seconds", "execute 5,000 orders (<= 8 s)", 8.0, "max"),
    ("execute", "inspect_p95_ms", "inspect p95 (<= 25 ms)", 25.0, "max"),
    ("throughput", "replay_p95_ms", "replay p95 (<= 10 ms)", 10.0, "max"),
    ("throughput", "ratio", "inspect / minimal rate (>= 40 %)", 0.4, "min"),
    ("search", "search_p95_ms", "tariff search p95 (<= 25 ms)", 25.0, "max"),
]
COLORS = {"sqlite": (70, 120, 190), "postgresql": (230, 140, 50)}


def draw(results: list[dict[str, Any]], path: Path) -> None:
    width, row, left = 1000, 46, 300
    img = Image.new("RGB", (width, 70 + row * len(FIGURES)), "white")
    d = ImageDraw.Draw(img)
    d.text((16, 12), "EntryGo benchmarks: share of the target budget used (100 % = on target)",
           fill="black")
    scale = (width - left - 150) / 400  # bars up to 400 %, room for the label
    x100 = left + 100 * scale
    for i, (suite, key, label, target, kind) in enumerate(FIGURES):
        y = 50 + i * row
        d.text((16, y + 10), label, fill="black")
        for j, backend in enumerate(("sqlite", "postgresql")):
            found = [r for r in results if r["suite"] == suite and r["backend"] == backend]
            if not found or key not in found[0]:
                continue
            value = float(found[0][key])
            share = value / target if kind == "max" else (target / value if value else 9)
            pct = min(share * 100, 400)
            top = y + 4 + j * 17
            d.rectangle([left, top, left + pct * scale, top + 13], fill=COLORS[backend])
            d.text((left + pct * scale + 6, top), f"{share * 100:.0f} % ({value:g})",
                   fill="black")
    d.line([x100, 44, x100, img.height - 8], fill=(200, 30, 30), width=2)
    for j, (backend, color) in enumerate(COLORS.items()):
        d.rectangle([width - 220 + j * 110, 14, width - 208 + j * 110, 26], fill=color)
        d.text((width - 204 + j * 110, 13), backend, fill="black")
    img.save(path)
