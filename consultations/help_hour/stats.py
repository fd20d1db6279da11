"""The centre's Help Hour figures and their XLSX workbook.

Counted: requests that reached the centre (``submitted_at`` set, i.e. not
drafts), by school, subject, category and month of submission (the centre's
local calendar); the average time from the (latest) submission to the session's
start over the requests that have a session.  Run in the centre's schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.models import Organisation

from .models import Category, HelpHourRequest


@dataclass
class Figures:
    total: int
    by_school: list[tuple[str, int]]
    by_subject: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_month: list[tuple[str, int]]  # ("2026-11", count)
    with_session: int
    average_to_session: timedelta | None

    @property
    def average_days_to_session(self) -> float | None:
        if self.average_to_session is None:
            return None
        return round(self.average_to_session.total_seconds() / 86400, 1)


def _requests(
    *, centre: Organisation, date_from: date | None, date_to: date | None
) -> QuerySet[HelpHourRequest]:
    queryset = HelpHourRequest.objects.filter(submitted_at__isnull=False)
    zone = centre.zone
    if date_from:
        queryset = queryset.filter(submitted_at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to:
        queryset = queryset.filter(
            submitted_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
        )
    return queryset


def figures(*, centre: Organisation, date_from: date | None = None, date_to: date | None = None) -> Figures:
    """The counts and the average for requests submitted in [date_from, date_to] (local dates)."""
    queryset = _requests(centre=centre, date_from=date_from, date_to=date_to)
    by_school = [
        (row["organisation__short_name"], row["n"])
        for row in queryset.values("organisation__short_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation__short_name")
    ]
    by_subject = [
        (row["subject__name"], row["n"])
        for row in queryset.values("subject__name").annotate(n=Count("pk")).order_by("-n", "subject__name")
    ]
    labels = dict(Category.choices)
    by_category = [
        (str(labels[row["category"]]), row["n"])
        for row in queryset.values("category").annotate(n=Count("pk")).order_by("-n", "category")
    ]
    by_month = [
        (row["month"].astimezone(centre.zone).strftime("%Y-%m"), row["n"])
        for row in queryset.annotate(month=TruncMonth("submitted_at", tzinfo=centre.zone))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    ]
    waits = [
        starts - submitted
        for submitted, starts in queryset.filter(session__isnull=False).values_list(
            "submitted_at", "session__starts_at"
        )
        if submitted is not None and starts is not None
    ]
    average = sum(waits, timedelta()) / len(waits) if waits else None
    return Figures(
        total=queryset.count(),
        by_school=by_school,
        by_subject=by_subject,
        by_category=by_category,
        by_month=by_month,
        with_session=len(waits),
        average_to_session=average,
    )


def workbook(
    *,
    centre: Organisation,
    date_from: date | None,
    date_to: date | None,
    language: str,
    on_progress: Callable[[int], None] = lambda progress: None,
) -> bytes:
    """The XLSX: a summary sheet, then one sheet per breakdown; ``on_progress`` is told 10…95."""
    # Every cell goes through ``tutornet.xlsx``: a school's short name or a subject typed
    # as ``=HYPERLINK(...)`` stays text, never a live formula.
    from tutornet.xlsx import add_sheet, new_workbook, to_bytes

    data = figures(centre=centre, date_from=date_from, date_to=date_to)
    on_progress(20)
    with translation.override(language):
        book, summary = new_workbook(_("Summary"))
        period = _("%(from)s – %(to)s") % {
            "from": date_from.strftime("%d.%m.%Y") if date_from else "…",
            "to": date_to.strftime("%d.%m.%Y") if date_to else "…",
        }
        summary.header((_("Help Hour figures"), centre.short_name))
        summary.rows(
            [
                (_("Period"), period),
                (_("Built at"), timezone.localtime(timezone.now(), centre.zone).strftime("%d.%m.%Y %H:%M")),
                (_("Requests"), data.total),
                (_("Requests with a session"), data.with_session),
                (_("Average days from request to session"), data.average_days_to_session),
            ]
        )
        summary.widths(A=42)
        sheets = [
            (_("By school"), _("School"), data.by_school),
            (_("By subject"), _("Subject"), data.by_subject),
            (_("By category"), _("Category"), data.by_category),
            (_("By month"), _("Month"), data.by_month),
        ]
        for index, (title, heading, values) in enumerate(sheets, start=1):
            sheet = add_sheet(book, title)
            sheet.header([heading, _("Requests")])
            sheet.rows([label, count] for label, count in values)
            sheet.widths(A=40)
            on_progress(20 + index * 18)
        return to_bytes(book)
