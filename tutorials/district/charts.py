"""Server-side SVG charts of the district picture: no script, no CDN.

Each chart is drawn from the same objects as the table beside it (``picture``), so the two
cannot disagree; the numbers are also written on the chart and in each mark's ``<title>``.
Accessible: ``role="img"`` named by its ``<title>`` and described by its ``<desc>``; colours
are a colour-blind-safe pair (blue up, orange down, grey within noise) and never the only
carrier: a mark within noise is hollow, and the figures are written next to it.

Every mark carries its value in ``data-*`` attributes, and its position follows the
chart's scale, which ``Scale.value`` inverts (tests/district/test_charts.py reads the
marks back and compares them with the table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .picture import ChangeCell, SupportRow, Topic, YearOverYear

UP, DOWN, NOISE, BAR, AXIS, TEXT = "#1f5fa8", "#b34d00", "#6b6b6b", "#3b6ea5", "#444444", "#1a1a1a"
LABEL_W, PLOT_W, VALUE_W, ROW_H, TOP, BOTTOM = 190, 320, 190, 22, 10, 28
_ids = count(1)


def number(value: float, places: int = 1) -> str:
    """As the tables write it (the active language's decimal separator)."""
    return str(formats.number_format(value, places))


def signed(value: float) -> str:
    return ("+" if value > 0 else "") + number(value)


@dataclass(frozen=True)
class Scale:
    """Values ``low``..``high`` onto x pixels ``left``..``left + width``."""

    low: float
    high: float
    left: float = LABEL_W
    width: float = PLOT_W

    def x(self, value: float) -> float:
        return round(self.left + (value - self.low) / (self.high - self.low) * self.width, 2)

    def value(self, x: float) -> float:
        return self.low + (x - self.left) / self.width * (self.high - self.low)

    def ticks(self) -> list[float]:
        step = _step(self.high - self.low)
        first = math.ceil(self.low / step) * step
        return [first + i * step for i in range(int((self.high - first) / step + 1e-9) + 1)]


def _step(span: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if span / step <= 8:
            return step
    return 100


def _bounds(values: Sequence[float]) -> tuple[float, float]:
    """A range that holds 0 and every value, rounded out to tens."""
    low = min([0.0, *values])
    high = max([0.0, *values])
    low, high = math.floor(low / 10) * 10, math.ceil(high / 10) * 10
    if low == high:
        high = low + 10
    return float(low), float(high)


def _svg(title: str, desc: str, height: int, body: list[str], kind: str, scale: Scale) -> SafeString:
    n = next(_ids)
    width = LABEL_W + PLOT_W + VALUE_W
    return mark_safe(  # noqa: S308 (every text below goes through escape())
        f'<svg class="district-chart" data-chart="{kind}" data-scale="{scale.low} {scale.high}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-size="12" '
        f'font-family="system-ui, sans-serif"><title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(desc)}</desc>{"".join(body)}</svg>'
    )


def _axis(scale: Scale, bottom: float, unit: str) -> list[str]:
    parts = []
    for tick in scale.ticks():
        x = scale.x(tick)
        stroke = AXIS if tick == 0 else "#d0d4da"
        parts.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}" stroke="{stroke}" stroke-width="1"/>')
        parts.append(
            f'<text x="{x}" y="{bottom + 14}" text-anchor="middle" fill="{AXIS}">'
            f"{escape(number(tick, 0))}{escape(unit)}</text>"
        )
    return parts


def _label(text: str, y: float) -> str:
    short = text if len(text) <= 28 else text[:27] + "…"
    return f'<text x="{LABEL_W - 8}" y="{y + 4}" text-anchor="end" fill="{TEXT}">{escape(short)}</text>'


def change_chart(topics: Sequence[Topic], cells: Sequence[ChangeCell], *, title: str) -> SafeString | None:
    """Dot and whisker: each topic's paired change with its 95 % interval (shown cells only)."""
    marks = [(t, c) for t, c in zip(topics, cells, strict=True) if c.shown and c.change is not None]
    if not marks:
        return None
    values = [v for _t, c in marks for v in (c.change, c.low, c.high) if v is not None]
    scale = Scale(*_bounds(values))
    bottom = TOP + ROW_H * len(marks)
    body = _axis(scale, bottom, "")
    for i, (topic, c) in enumerate(marks):
        assert c.change is not None
        y = TOP + ROW_H * i + ROW_H / 2
        colour = {"up": UP, "down": DOWN}.get(c.direction, NOISE)
        interval = (
            f"[{number(c.low)}; {number(c.high)}]" if c.low is not None and c.high is not None else "[—]"
        )
        written = f"{signed(c.change)} {interval} n={c.n}"
        note = _("within noise") if c.within_noise else ""
        mark = [f"<title>{escape(f'{topic.code} {topic.title}: {written} {note}'.strip())}</title>"]
        if c.low is not None and c.high is not None:
            mark.append(
                f'<line class="whisker" x1="{scale.x(c.low)}" y1="{y}" x2="{scale.x(c.high)}" y2="{y}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
        fill = "#ffffff" if c.within_noise else colour
        mark.append(
            f'<circle class="dot" cx="{scale.x(c.change)}" cy="{y}" r="5" fill="{fill}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        body.append(
            f'<g class="mark" data-topic="{escape(topic.code)}" data-change="{c.change:.4f}" '
            f'data-low="{"" if c.low is None else f"{c.low:.4f}"}" '
            f'data-high="{"" if c.high is None else f"{c.high:.4f}"}" data-n="{c.n}">'
            + "".join(mark)
            + _label(f"{topic.code} {topic.title}", y)
            + f'<text x="{LABEL_W + PLOT_W + 8}" y="{y + 4}" fill="{TEXT}">{escape(written)}</text></g>'
        )
    desc = _(
        "The mean paired change in percentage points per topic, with its 95%% confidence interval "
        "as a whisker; a hollow dot: the interval contains 0 (within noise). Topics with fewer "
        "than 3 paired teachers are left out. Scale from %(low)s to %(high)s."
    ) % {"low": number(scale.low, 0), "high": number(scale.high, 0)}
    return _svg(title, desc, int(bottom + BOTTOM), body, "change", scale)


def support_chart(rows: Sequence[SupportRow], average: SupportRow, *, title: str) -> SafeString | None:
    """Bars: each school's share of planned route items done, with the district average line."""
    lines = [(r.name, r.values["items_done_share"]) for r in rows]
    if not lines:
        return None
    scale = Scale(0.0, 100.0)
    bottom = TOP + ROW_H * len(lines)
    body = _axis(scale, bottom, "%")
    for i, (name, share) in enumerate(lines):
        y = TOP + ROW_H * i
        written = "—" if share is None else f"{number(share)}%"
        bar = ""
        if share is not None:
            width = round(scale.x(share) - scale.x(0), 2)
            bar = (
                f'<rect class="bar" x="{scale.x(0)}" y="{y + 4}" width="{width}" '
                f'height="{ROW_H - 8}" fill="{BAR}"/>'
            )
        value = "" if share is None else f"{share:.4f}"
        middle = y + ROW_H / 2
        body.append(
            f'<g class="mark" data-school="{escape(name)}" data-value="{value}">'
            f"<title>{escape(f'{name}: {written}')}</title>{bar}"
            + _label(name, middle)
            + f'<text x="{LABEL_W + PLOT_W + 8}" y="{middle + 4}" fill="{TEXT}">{escape(written)}</text></g>'
        )
    mean = average.values["items_done_share"]
    if mean is not None:
        x = scale.x(mean)
        label = _("District average: %(value)s%%") % {"value": number(mean)}
        body.append(
            f'<g class="average" data-value="{mean:.4f}"><title>{escape(label)}</title>'
            f'<line x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{bottom}" stroke="{TEXT}" stroke-width="2" '
            f'stroke-dasharray="5 3"/></g>'
        )
    desc = _(
        "A bar per school: the share of the planned items of its teachers' routes that are done, "
        "0 to 100%%; the dashed line: the district average%(average)s."
    ) % {"average": "" if mean is None else f" ({number(mean)}%)"}
    return _svg(title, desc, int(bottom + BOTTOM), body, "support", scale)


def change_figure(yoy: YearOverYear | None, school: tuple[int, str] | None = None) -> dict[str, Any]:
    """The page's context for the district's (or one school's) change chart and its table."""
    if yoy is None:
        return {"chart": None}
    cells = yoy.district
    caption = _("Change per topic in the district, with its interval (95%)")
    if school is not None:
        cells = next((line for pk, _name, line in yoy.rows if pk == school[0]), [])
        caption = _("Change per topic in %(school)s, with its interval (95%%)") % {"school": school[1]}
    if not cells:
        return {"chart": None}
    return {
        "chart": change_chart(yoy.topics, cells, title=caption),
        "chart_rows": list(zip(yoy.topics, cells, strict=True)),
        "chart_caption": caption,
        "chart_id": "change-chart",
    }
