"""The centre's figures and their XLSX export, built by a Celery task with progress."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.models import User
from consultations.help_hour import selectors, services, stats
from consultations.help_hour.models import HelpHourExport, HelpHourRequest, HelpHourSession
from tests.conftest import District, LiveStack
from tests.factories import SubjectFactory
from tests.help_hour.helpers import Cast, accepted_request, make_cast, new_request, schedule
from tests.notifications.helpers import eventually
from tutornet.errors import NotFoundError, PermissionDeniedError


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def _story(cast: Cast, *, first_day: date) -> None:
    """Three requests reach the centre in two months (two from school A, one from school B);
    one draft never does; one request gets a session 3.5 days after it was sent."""
    zone = cast.district.centre.zone
    maths, russian = (
        SubjectFactory(name="Математика " + cast.subject.code),
        SubjectFactory(name="Русский " + cast.subject.code),
    )
    a = accepted_request(cast, subject=maths, category="work_program")
    b = new_request(cast, subject=maths, category="exam_preparation")
    c = new_request(
        cast, by="other_teacher", participants=("other_teacher",), subject=russian, category="work_program"
    )
    new_request(cast, subject=maths, submit=False)
    session = schedule(cast, [a])
    next_month = (first_day.replace(day=1) + timedelta(days=32)).replace(day=3)
    with schema_context("centre"):
        HelpHourRequest.objects.filter(pk=a.pk).update(submitted_at=_at(first_day, 10, zone))
        HelpHourRequest.objects.filter(pk=b.pk).update(submitted_at=_at(first_day, 12, zone))
        HelpHourRequest.objects.filter(pk=c.pk).update(submitted_at=_at(next_month, 9, zone))
        starts = _at(first_day, 10, zone) + timedelta(days=3, hours=12)
        HelpHourSession.objects.filter(pk=session.pk).update(
            starts_at=starts, ends_at=starts + timedelta(hours=1)
        )


def test_the_centre_counts_by_school_subject_category_and_month_with_the_average_wait(cast: Cast) -> None:
    first_day = date(2031, 5, 12)
    _story(cast, first_day=first_day)
    figures = selectors.centre_figures(
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
        date_from=date(2031, 5, 1),
        date_to=date(2031, 6, 30),
    )
    code = cast.subject.code
    assert figures.total == 3
    assert figures.by_school == [("Школа № 1", 2), ("Школа № 2", 1)]
    assert figures.by_subject == [(f"Математика {code}", 2), (f"Русский {code}", 1)]
    assert figures.by_category == [("Work program", 2), ("State exam preparation", 1)]
    assert figures.by_month == [("2031-05", 2), ("2031-06", 1)]
    assert figures.with_session == 1
    assert figures.average_to_session == timedelta(days=3, hours=12)
    assert figures.average_days_to_session == 3.5
    # The period is the centre's local calendar: May alone.
    may = selectors.centre_figures(
        actor=cast.user("centre_admin"),
        membership=cast.centre_admin,
        date_from=date(2031, 5, 1),
        date_to=date(2031, 5, 31),
    )
    assert may.total == 2 and may.by_month == [("2031-05", 2)]
    for who in ("tutor", "school_admin"):
        with pytest.raises(PermissionDeniedError):
            selectors.centre_figures(actor=cast.user(who), membership=getattr(cast, who))


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return {
        sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
    }


def test_the_xlsx_holds_the_figures_and_progress_climbs_to_100(cast: Cast) -> None:
    _story(cast, first_day=date(2031, 9, 8))
    # The workbook is written in the language of whoever asked for it.
    User.objects.filter(pk=cast.user("methodologist").pk).update(language="en")
    export = services.export_start(
        actor=cast.user("methodologist"),
        membership=cast.methodologist,
        date_from=date(2031, 9, 1),
        date_to=date(2031, 10, 31),
    )
    assert export.state == HelpHourExport.State.PENDING and export.progress == 0
    with pytest.raises(NotFoundError, match="not ready"):
        selectors.export_open(
            export_id=export.pk, actor=cast.user("methodologist"), membership=cast.methodologist
        )
    seen: list[int] = []
    with schema_context("centre"):
        stats.workbook(
            centre=cast.district.centre,
            date_from=date(2031, 9, 1),
            date_to=date(2031, 10, 31),
            language="en",
            on_progress=seen.append,
        )
        built = services.export_build(export_id=export.pk)
    assert seen == sorted(seen) and seen[-1] < 100
    assert built.state == HelpHourExport.State.DONE and built.progress == 100 and built.finished_at
    handle, name = selectors.export_open(
        export_id=export.pk, actor=cast.user("centre_admin"), membership=cast.centre_admin
    )
    with handle:
        sheets = _sheets(handle.read())
    assert name.endswith(".xlsx")
    code = cast.subject.code
    assert list(sheets) == ["Summary", "By school", "By subject", "By category", "By month"]
    summary = {row[0]: row[1] for row in sheets["Summary"]}
    assert summary["Requests"] == 3
    assert summary["Requests with a session"] == 1
    assert summary["Average days from request to session"] == 3.5
    assert summary["Period"] == "01.09.2031 – 31.10.2031"
    assert sheets["By school"] == [("School", "Requests"), ("Школа № 1", 2), ("Школа № 2", 1)]
    assert sheets["By subject"] == [
        ("Subject", "Requests"),
        (f"Математика {code}", 2),
        (f"Русский {code}", 1),
    ]
    assert sheets["By category"] == [
        ("Category", "Requests"),
        ("Work program", 2),
        ("State exam preparation", 1),
    ]
    assert sheets["By month"] == [("Month", "Requests"), ("2031-09", 2), ("2031-10", 1)]
    # Building again keeps the finished file.
    with schema_context("centre"):
        assert services.export_build(export_id=export.pk).file.name == built.file.name
    with pytest.raises(PermissionDeniedError):
        services.export_start(actor=cast.user("tutor"), membership=cast.tutor)


@pytest.mark.live
def test_the_export_is_built_by_the_real_worker_in_the_centres_schema(
    district: District, committed_db: None, live_stack: LiveStack
) -> None:
    cast = make_cast(district)
    # A day of its own, so the figures hold only this story.
    first_day = date(2032, 1, 1) + timedelta(days=random.randrange(300))  # noqa: S311
    first_day = first_day.replace(day=min(first_day.day, 20))
    _story(cast, first_day=first_day)
    last_day = (first_day.replace(day=1) + timedelta(days=62)).replace(day=1) - timedelta(days=1)
    export = services.export_start(
        actor=cast.user("methodologist"), membership=cast.methodologist, date_from=first_day, date_to=last_day
    )
    progress: list[int] = []

    def finished() -> HelpHourExport | None:
        current = selectors.export_status(
            export_id=export.pk, actor=cast.user("methodologist"), membership=cast.methodologist
        )
        progress.append(current.progress)
        return current if current.state in (HelpHourExport.State.DONE, HelpHourExport.State.FAILED) else None

    done = eventually(finished, timeout=30, what="the export")
    assert done.state == HelpHourExport.State.DONE, done.error
    assert progress == sorted(progress) and progress[-1] == 100
    handle, _name = selectors.export_open(
        export_id=export.pk, actor=cast.user("methodologist"), membership=cast.methodologist
    )
    with handle:
        sheets = _sheets(handle.read())
    summary = {row[0]: row[1] for row in sheets[list(sheets)[0]]}
    # The worker wrote in the requester's language (Russian by default); the figures are the same.
    assert list(summary.values())[3:6] == [3, 1, 3.5]
    assert sheets[list(sheets)[1]][1:] == [("Школа № 1", 2), ("Школа № 2", 1)]
    # The file sits in the centre's folder of the tenant storage: the task ran in the centre's schema.
    with schema_context("centre"):
        assert default_storage.exists(done.file.name)
        default_storage.delete(done.file.name)


def archive_names(content: bytes) -> list[str]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [n for n in archive.namelist() if n.startswith("xl/worksheets/")]


def read(content: bytes, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)


def test_a_school_name_typed_as_a_formula_stays_text_in_the_xlsx(cast: Cast) -> None:
    """Formula injection: a school admin names the school ``=HYPERLINK(...)``; the methodologist's
    export holds that text, never a live formula (``tutornet.xlsx``)."""
    import zipfile

    from tenants.models import Organisation

    evil = '=HYPERLINK("http://evil.example/x","Школа № 3")'
    school = cast.district.school_a
    before = school.short_name
    Organisation.objects.filter(pk=school.pk).update(short_name=evil)
    try:
        _story(cast, first_day=date(2032, 3, 8))
        with schema_context("centre"):
            content = stats.workbook(
                centre=cast.district.centre,
                date_from=date(2032, 3, 1),
                date_to=date(2032, 4, 30),
                language="ru",
            )
    finally:
        Organisation.objects.filter(pk=school.pk).update(short_name=before)

    book = load_workbook(io.BytesIO(content))
    names = [row[0] for row in book.worksheets[1].iter_rows(min_row=2)]
    hit = next(cell for cell in names if cell.value == evil)
    assert hit.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert "<f" not in xml  # no formula element anywhere
    # A text cell (an inline string), however the XML writer (lxml or ElementTree) escapes quotes.
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    texts = [
        cell.findtext(f"{main}is/{main}t")
        for name in archive_names(content)
        for cell in ElementTree.fromstring(read(content, name)).iter(f"{main}c")
    ]
    assert evil in texts


def test_a_failed_export_says_a_plain_sentence_not_the_exceptions_text(cast: Cast) -> None:
    export = services.export_start(actor=cast.user("methodologist"), membership=cast.methodologist)
    with schema_context("centre"):
        # A period the statistics cannot build (its end before its start reaches the workbook
        # only through the row, as the service refuses it): the build fails for real.
        HelpHourExport.objects.filter(pk=export.pk).update(
            date_from=date(2033, 5, 1), date_to=date(2033, 4, 1)
        )
        original = stats.workbook
        try:
            stats.workbook = lambda **kwargs: (_ for _ in ()).throw(ValueError("secret internals /srv/x"))  # type: ignore[assignment]
            with pytest.raises(ValueError):
                services.export_build(export_id=export.pk)
        finally:
            stats.workbook = original  # type: ignore[assignment]
        failed = HelpHourExport.objects.get(pk=export.pk)
    assert failed.state == HelpHourExport.State.FAILED
    assert "secret" not in failed.error and "ValueError" not in failed.error
    status = selectors.export_status(
        export_id=export.pk, actor=cast.user("methodologist"), membership=cast.methodologist
    )
    assert "secret" not in str(status)
