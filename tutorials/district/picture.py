"""What the pages and exports show, built from a snapshot with suppression applied.

Every view, export and API answer goes through here, so the n < 3 rule and the
complementary suppression (``suppression``) hold everywhere alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .suppression import MINIMUM, hidden_cells

STEPS = 10  # colour steps of the scale (static/css/district.css: .hm-0 … .hm-9)


@dataclass
class Cell:
    school_id: int | None
    topic_id: int
    n: int = 0
    mean: float | None = None
    share: float | None = None  # share of the n teachers with a deficit, 0..100
    hidden: bool = False

    @property
    def empty(self) -> bool:
        return self.n == 0

    @property
    def shown(self) -> bool:
        return not self.hidden and self.n > 0 and self.mean is not None

    @property
    def level(self) -> int:
        """The colour step: 0 (lowest %) … 9."""
        if self.mean is None:
            return 0
        return min(STEPS - 1, max(0, int(self.mean // (100 / STEPS))))

    @property
    def small(self) -> bool:
        return 0 < self.n < MINIMUM


@dataclass
class Topic:
    id: int
    code: str
    title: str


@dataclass
class Row:
    school_id: int | None
    name: str
    cells: list[Cell] = field(default_factory=list)

    def weakest(self) -> float:
        means = [c.mean for c in self.cells if c.shown and c.mean is not None]
        return min(means) if means else 101.0

    def average(self) -> float:
        means = [c.mean for c in self.cells if c.shown and c.mean is not None]
        return sum(means) / len(means) if means else 101.0


@dataclass
class Heatmap:
    topics: list[Topic]
    rows: list[Row]
    district: Row
    total: Row  # the regional-style "итого": unweighted mean of the visible school cells
    sort: str


SORTS = ("name", "weak-topics", "weak-schools")


def _by_name(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The schools by name (a jsonb object keeps no key order)."""
    return sorted(data["schools"].items(), key=lambda kv: (kv[1], int(kv[0])))


def _suppress(cells: dict[tuple[int, int], Cell], topic_ids: list[int]) -> set[int]:
    """Hide cells column by column; returns the topics whose district cell must be hidden."""
    district_hidden: set[int] = set()
    by_topic: dict[int, dict[int, int]] = defaultdict(dict)
    for (school_id, topic_id), cell in cells.items():
        if cell.n > 0:
            by_topic[topic_id][school_id] = cell.n
    for topic_id in topic_ids:
        hidden, total_ok = hidden_cells(by_topic.get(topic_id, {}))
        for school_id in hidden:
            cells[(school_id, topic_id)].hidden = True
        if not total_ok:
            district_hidden.add(topic_id)
    return district_hidden


def heatmap(data: dict[str, Any], *, sort: str = "name", only_school: int | None = None) -> Heatmap:
    topics = [Topic(pk, code, title) for pk, code, title in data["topics"]]
    topic_ids = [t.id for t in topics]
    schools = {int(k): v for k, v in data["schools"].items()}
    cells: dict[tuple[int, int], Cell] = {}
    pooled: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for school_id, topic_id, n, mean, low in data["cells"]:
        cells[(school_id, topic_id)] = Cell(school_id, topic_id, n, mean, 100 * low / n if n else None)
        pool = pooled[topic_id]
        pool[0] += n
        pool[1] += mean * n
        pool[2] += low
    district_hidden = _suppress(cells, topic_ids)
    rows = []
    for school_id, name in sorted(schools.items(), key=lambda kv: (kv[1], kv[0])):  # jsonb keeps no order
        row = Row(school_id, name, [cells.get((school_id, t), Cell(school_id, t)) for t in topic_ids])
        if any(not c.empty for c in row.cells) and (only_school is None or only_school == school_id):
            rows.append(row)
    district = Row(None, "", [])
    total = Row(None, "", [])
    for t in topic_ids:
        n, summed, low = pooled.get(t, (0, 0.0, 0))
        district.cells.append(
            Cell(
                None, t, int(n), summed / n if n else None, 100 * low / n if n else None, t in district_hidden
            )
        )
        visible = [c for (_s, topic), c in cells.items() if topic == t and c.shown]
        total.cells.append(
            Cell(
                None,
                t,
                len(visible),
                sum(c.mean or 0 for c in visible) / len(visible) if visible else None,
                sum(c.share or 0 for c in visible) / len(visible) if visible else None,
                hidden=not visible,
            )
        )
    if sort == "weak-topics":
        order = sorted(
            range(len(topics)),
            key=lambda i: (district.cells[i].mean if district.cells[i].shown else 101.0, topics[i].code),
        )
        topics = [topics[i] for i in order]
        for row in [*rows, district, total]:
            row.cells = [row.cells[i] for i in order]
    elif sort == "weak-schools":
        rows.sort(key=lambda r: (r.weakest(), r.average(), r.name))
    else:
        sort = "name"
    return Heatmap(topics, rows, district, total, sort)


@dataclass
class ChangeCell:
    school_id: int | None
    topic_id: int
    n: int = 0
    before: float | None = None
    after: float | None = None
    change: float | None = None
    low: float | None = None
    high: float | None = None
    hidden: bool = False

    @property
    def shown(self) -> bool:
        return not self.hidden and self.n > 0

    @property
    def small(self) -> bool:
        return 0 < self.n < MINIMUM

    @property
    def within_noise(self) -> bool:
        return self.low is None or self.high is None or self.low <= 0 <= self.high

    @property
    def direction(self) -> str:
        if self.within_noise or self.change is None:
            return "noise"
        return "up" if self.change > 0 else "down"


@dataclass
class YearOverYear:
    topics: list[Topic]
    rows: list[tuple[int, str, list[ChangeCell]]]
    district: list[ChangeCell]
    routes: list[tuple[Topic, dict[str, Any]]]


def year_over_year(data: dict[str, Any], *, only_school: int | None = None) -> YearOverYear | None:
    if data.get("previous") is None:
        return None
    topics = [Topic(pk, code, title) for pk, code, title in data["topics"]]
    topic_ids = [t.id for t in topics]
    cells: dict[tuple[int, int], ChangeCell] = {}
    district: dict[int, ChangeCell] = {}
    for school_id, topic_id, n, before, after, change, low, high in data["yoy"]:
        cell = ChangeCell(school_id, topic_id, n, before, after, change, low, high)
        if school_id is None:
            district[topic_id] = cell
        else:
            cells[(school_id, topic_id)] = cell
    by_topic: dict[int, dict[int, int]] = defaultdict(dict)
    for (school_id, topic_id), cell in cells.items():
        by_topic[topic_id][school_id] = cell.n
    for t in topic_ids:
        hidden, total_ok = hidden_cells(by_topic.get(t, {}))
        for school_id in hidden:
            cells[(school_id, t)].hidden = True
        if t in district and not total_ok:
            district[t].hidden = True
    rows = []
    for key, name in _by_name(data):
        school_id = int(key)
        if only_school is not None and only_school != school_id:
            continue
        line = [cells.get((school_id, t), ChangeCell(school_id, t)) for t in topic_ids]
        if any(c.n for c in line):
            rows.append((school_id, name, line))
    topic_by_id = {t.id: t for t in topics}
    routes = []
    for topic_id, addressed, other, difference in data["routes_effect"]:
        small = addressed["n"] < MINIMUM or other["n"] < MINIMUM
        routes.append(
            (
                topic_by_id[topic_id],
                {
                    "addressed": addressed,
                    "other": other,
                    "difference": difference,
                    "hidden": small,
                    "within_noise": difference["low"] is None
                    or difference["low"] <= 0 <= (difference["high"] or 0),
                },
            )
        )
    routes.sort(key=lambda r: [t.id for t in topics].index(r[0].id))
    return YearOverYear(
        topics,
        rows,
        [district.get(t, ChangeCell(None, t)) for t in topic_ids],
        routes,
    )


SUPPORT_FIELDS = (
    "routes_total",
    "items_done_share",
    "consultations_held",
    "help_requests",
    "help_sessions",
    "tutorials",
    "registrations",
    "attendances",
    "materials",
    "consultation_rating",
    "help_rating",
    "tutorial_rating",
)


RATING_FIELDS = ("consultation_rating", "help_rating", "tutorial_rating")
MIN_RATINGS = 3  # a mean of fewer ratings would give one person's away


@dataclass
class SupportRow:
    """``values`` holds each rating's count as ``<field>_n``; a mean of fewer than 3 is None."""

    school_id: int | None
    name: str
    routes: dict[str, float]
    values: dict[str, float | None]

    @property
    def ordered(self) -> list[float | None]:
        return [self.values[f] for f in SUPPORT_FIELDS]

    def rated(self, field: str) -> int | None:
        """The number of ratings behind a mean rating (None for the other figures)."""
        count = self.values.get(f"{field}_n")
        return None if count is None else int(count)

    def hidden(self, field: str) -> bool:
        count = self.rated(field)
        return count is not None and 0 < count < MIN_RATINGS

    @property
    def cells(self) -> list[dict[str, Any]]:
        """Per field for the page: the value, its number of ratings, and whether it is hidden."""
        return [
            {"value": self.values[f], "n": self.rated(f), "hidden": self.hidden(f)} for f in SUPPORT_FIELDS
        ]


def support(data: dict[str, Any], *, only_school: int | None = None) -> tuple[list[SupportRow], SupportRow]:
    """Per school (or the one school) and the district average over the schools with any figure."""
    rows = []
    for key, name in _by_name(data):
        figures = data["support"].get(key)
        if figures is None:
            continue
        routes = figures["routes"]
        planned = figures["items_planned"]
        values: dict[str, float | None] = {
            "routes_total": sum(routes.values()),
            "items_done_share": 100 * figures["items_done"] / planned if planned else None,
            **{f: figures[f] for f in SUPPORT_FIELDS if f not in ("routes_total", "items_done_share")},
        }
        for f in RATING_FIELDS:
            count = figures.get(f"{f}_n", 0)
            values[f"{f}_n"] = count
            if count < MIN_RATINGS:
                values[f] = None
        rows.append(SupportRow(int(key), name, routes, values))
    average: dict[str, float | None] = {}
    for f in SUPPORT_FIELDS:
        known = [r.values[f] for r in rows if r.values[f] is not None]
        average[f] = sum(v for v in known if v is not None) / len(known) if known else None
    for f in RATING_FIELDS:
        # Over the schools shown: a hidden school's ratings stay out of the district's mean too.
        average[f"{f}_n"] = sum(int(r.values[f"{f}_n"] or 0) for r in rows if r.values[f] is not None)
    statuses: dict[str, float] = defaultdict(float)
    for r in rows:
        for status, count in r.routes.items():
            statuses[status] += count
    district = SupportRow(None, "", {k: v / len(rows) for k, v in statuses.items()} if rows else {}, average)
    if only_school is not None:
        rows = [r for r in rows if r.school_id == only_school]
    return rows, district
