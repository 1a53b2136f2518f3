"""The report's charts as inline SVG (matplotlib's SVG backend, text kept as text so the browser renders
CJK and emoji with its own fonts). Every chart is a ``<svg>`` string; markers carry ``<title>`` hover text.

Board text is untrusted: ``$`` is escaped for matplotlib's mathtext, and matplotlib escapes XML.
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, ParamSpec

from cjm_sync.report.untrusted import LABEL_CHARS, chart_label, display_text
from cjm_sync.schema import IpaQuadrant

QUADRANT_COLOURS: Mapping[IpaQuadrant, str] = {
    IpaQuadrant.CONCENTRATE_HERE: "#d9534f",
    IpaQuadrant.KEEP_UP_THE_GOOD_WORK: "#2e8b57",
    IpaQuadrant.LOW_PRIORITY: "#8c8c8c",
    IpaQuadrant.POSSIBLE_OVERKILL: "#e0a526",
}
QUADRANT_LABELS: Mapping[IpaQuadrant, str] = {
    IpaQuadrant.CONCENTRATE_HERE: "Concentrate here",
    IpaQuadrant.KEEP_UP_THE_GOOD_WORK: "Keep up the good work",
    IpaQuadrant.LOW_PRIORITY: "Low priority",
    IpaQuadrant.POSSIBLE_OVERKILL: "Possible overkill",
}
_FONTS = ("DejaVu Sans", "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans", "Noto Emoji")
"""Preferred fonts for measuring labels (those installed are used, with matplotlib's per-glyph fallback);
the SVG keeps text as text, so the browser draws it with its own fonts, colour emoji included."""
_INK = "#1f2933"
MARKER_LABEL_CHARS = 32
"""IPA marker labels are shorter than axis labels: many share the plot (the full title is in the table)."""
P = ParamSpec("P")


@dataclass(frozen=True)
class Point:
    """A labelled point with hover text (``tip``)."""

    gid: str
    label: str
    x: float
    y: float
    colour: str
    tip: str


@functools.cache
def _installed_fonts() -> list[str]:
    from matplotlib import font_manager  # noqa: PLC0415

    names = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in _FONTS if f in names] or ["sans-serif"]


def _styled(chart: Callable[P, str]) -> Callable[P, str]:
    """Run ``chart`` with the report's matplotlib style (fonts with CJK fallback, text kept as SVG text)."""

    @functools.wraps(chart)
    def run(*args: P.args, **kwargs: P.kwargs) -> str:
        import matplotlib  # noqa: PLC0415 - heavy; only the report needs it

        style: dict[Any, Any] = {
            "svg.fonttype": "none",
            "font.family": _installed_fonts(),
            "svg.hashsalt": "cjm-sync",
            "font.size": 9,
        }
        with matplotlib.rc_context(style), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing-glyph warnings for emoji: the browser renders them
            return chart(*args, **kwargs)

    return run


def _text(value: str, limit: int = LABEL_CHARS) -> str:
    """Board text made safe for matplotlib: one line of at most ``limit`` characters (:func:`chart_label`),
    no mathtext."""
    return chart_label(value, limit).replace("$", r"\$")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # noqa: PLC0415 - heavy; only the report needs it

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig: Any, tips: Mapping[str, str], title: str) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs matplotlib cannot measure (emoji) still render in the browser
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    for gid, tip in tips.items():
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{escape(display_text(tip))}</title>', 1)
    svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r"<svg \1", svg, count=1)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(display_text(title))}" class="chart" ', 1)


def _empty(ax: Any, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#666", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


@_styled
def ipa_matrix(
    points: Sequence[Point], crosshair: tuple[float, float] | None, scale: tuple[float, float], title: str
) -> str:
    """Importance (y) × performance (x) with the crosshairs and one labelled marker per placed touchpoint."""
    fig = _figure(7.5, 5.6)
    ax = fig.subplots()
    low, high = scale
    pad = (high - low) * 0.06
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlabel("Performance")
    ax.set_ylabel("Importance")
    tips = {}
    if crosshair is not None:
        imp, perf = crosshair
        ax.axhline(imp, color=_INK, linewidth=1, linestyle="--")
        ax.axvline(perf, color=_INK, linewidth=1, linestyle="--")
        regions = [
            ((low - pad, perf), (imp, high + pad), IpaQuadrant.CONCENTRATE_HERE),
            ((perf, high + pad), (imp, high + pad), IpaQuadrant.KEEP_UP_THE_GOOD_WORK),
            ((low - pad, perf), (low - pad, imp), IpaQuadrant.LOW_PRIORITY),
            ((perf, high + pad), (low - pad, imp), IpaQuadrant.POSSIBLE_OVERKILL),
        ]
        for (x0, x1), (y0, y1), q in regions:
            colour = QUADRANT_COLOURS[q]
            ax.fill_between([x0, x1], y0, y1, color=colour, alpha=0.07, linewidth=0, zorder=0)
            ax.text(
                (x0 + x1) / 2,
                (y0 + y1) / 2,
                QUADRANT_LABELS[q],
                ha="center",
                va="center",
                color=colour,
                alpha=0.55,
                fontsize=12,
                fontweight="bold",
                zorder=1,
            )
    for p in points:
        marker = ax.scatter([p.x], [p.y], s=70, color=p.colour, edgecolor="white", linewidth=1, zorder=3)
        marker.set_gid(p.gid)
        tips[p.gid] = p.tip
        # labels near the right edge go to the left of their marker; none of them may squeeze the plot
        right = p.x > low + (high - low) * 0.7
        label = ax.annotate(
            _text(p.label, MARKER_LABEL_CHARS),
            (p.x, p.y),
            xytext=(-6 if right else 6, 4),
            textcoords="offset points",
            ha="right" if right else "left",
            fontsize=8.5,
        )
        label.set_in_layout(False)
    if not points:
        _empty(ax, "No touchpoint has enough ratings to place")
    ax.grid(alpha=0.2)
    return _svg(fig, tips, title)


@_styled
def emotion_curve(
    stages: Sequence[str], series: Mapping[str, Sequence[float | None]], scale: tuple[float, float], title: str
) -> str:
    """Mean emotion per stage, one line per series (persona or the whole journey)."""
    fig = _figure(9, 3.1)
    ax = fig.subplots()
    low, high = scale
    ax.set_ylim(low - 0.2, high + 0.2)
    ax.axhline((low + high) / 2, color="#bbb", linewidth=0.8)
    drawn = False
    for name, values in series.items():
        xs = [i for i, v in enumerate(values) if v is not None]
        ys = [v for v in values if v is not None]
        if xs:
            ax.plot(xs, ys, marker="o", linewidth=2, label=_text(name))
            drawn = True
    ax.set_xticks(range(len(stages)), [_text(s) for s in stages])
    ax.set_xlim(-0.5, max(len(stages) - 0.5, 0.5))
    ax.set_ylabel("Emotion")
    if len(series) > 1:
        ax.legend(fontsize=8)
    if not drawn:
        _empty(ax, "No emotions recorded")
    ax.grid(alpha=0.2)
    return _svg(fig, {}, title)


@_styled
def funnel(stages: Sequence[str], values: Sequence[float | None], drop_offs: Sequence[float | None], title: str) -> str:
    """Stage funnel: one bar per stage (records entered, or % remaining), drop-off labelled beside it."""
    fig = _figure(9, max(1.8, 0.42 * len(stages) + 0.8))
    ax = fig.subplots()
    shown = [v if v is not None else 0.0 for v in values]
    ys = list(range(len(stages)))[::-1]
    ax.barh(ys, shown, color="#4a78b5", height=0.6)
    ax.set_yticks(ys, [_text(s) for s in stages])
    top = max(shown, default=0.0) or 1.0
    for y, v, d in zip(ys, values, drop_offs, strict=True):
        note = "no data" if v is None else f"{v:g}" + (f"  (drop-off {d:g}%)" if d is not None else "")
        ax.text((v or 0) + top * 0.01, y, note, va="center", fontsize=8.5)
    ax.set_xlim(0, top * 1.45)
    ax.set_xticks([])
    if not any(v is not None for v in values):
        _empty(ax, "No stage has conversion or entry counts")
    return _svg(fig, {}, title)


@_styled
def priorities(labels: Sequence[str], values: Sequence[float], tips: Sequence[str], title: str) -> str:
    """Pain points by priority (frequency × severity), highest on top."""
    fig = _figure(9, max(1.8, 0.36 * len(labels) + 0.9))
    ax = fig.subplots()
    ys = list(range(len(labels)))[::-1]
    hover = {}
    for i, (y, v, tip) in enumerate(zip(ys, values, tips, strict=True)):
        bar = ax.barh([y], [v], color="#d9534f", height=0.6)
        bar.patches[0].set_gid(f"pain-{i}")
        hover[f"pain-{i}"] = tip
        ax.text(v, y, f" {v:g}", va="center", fontsize=8.5)
    ax.set_yticks(ys, [_text(s) for s in labels])
    ax.set_xlabel("Priority = frequency × severity")
    ax.set_xlim(0, max(values, default=1.0) * 1.15 or 1.0)
    if not labels:
        _empty(ax, "No scored pain points")
    return _svg(fig, hover, title)
