""" "What's next" on the home page, one panel per role (``tutornet.panels``).

Every panel has the same shape: ``@role_panel(...)`` says for which role, in which kind of
organisation, under which key, title and template; the function under it gets the request,
the person's membership here and the organisation, and returns only its template's context.
The guard (an active membership with that role, here) and the ``Panel`` are made once, in
``role_panel``.  Each function keeps to a few fixed queries (the dashboard's query count is
asserted per role in tests/portal/test_dashboards.py).  Cross-level reads go through
``district``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import tenant_context

from accounts.models import Invitation, Membership, Role
from tenants.models import Organisation
from tutornet import panels

from . import district

RECENT = timedelta(days=30)
LIST = 5
CENTRE, SCHOOL = Organisation.Kind.CENTRE, Organisation.Kind.SCHOOL
# The role panels come first; features' panels (diagnostics, routes, tutorials) follow.
ROLE_PANEL_ORDER = 5

Build = Callable[[HttpRequest, Membership, Organisation], dict[str, Any]]
PanelFunction = Callable[[HttpRequest], "panels.Panel | None"]


def role_panel(
    *, role: str, key: str, title: Promise, template: str, kinds: Sequence[str] = (CENTRE, SCHOOL)
) -> Callable[[Build], PanelFunction]:
    """A panel for the people with ``role`` in an organisation of one of ``kinds``: the decorated
    function builds its context; anyone else gets no panel (and costs no query)."""

    def decorate(build: Build) -> PanelFunction:
        @functools.wraps(build)
        def panel(request: HttpRequest) -> panels.Panel | None:
            membership = getattr(request, "membership", None)
            here = district.current()
            if (
                membership is None
                or not membership.is_active
                or here is None
                or here.kind not in kinds
                or membership.organisation_id != here.pk
                or membership.role != role
            ):
                return None
            return panels.Panel(
                key=key,
                title=str(title),
                template=template,
                context=build(request, membership, here),
                order=ROLE_PANEL_ORDER,
            )

        return panel

    return decorate


def _recent_materials(
    subject_ids: list[int], now: datetime, link: Callable[[int], str]
) -> list[dict[str, Any]]:
    """Materials published in the last 30 days in these subjects, in the active schema's bank."""
    from casebank.models import Material, Status

    if not subject_ids:
        return []
    rows = (
        Material.objects.filter(
            status=Status.PUBLISHED, published_at__gte=now - RECENT, subjects__in=subject_ids
        )
        .distinct()
        .order_by("-published_at")
        .values("id", "title")[:LIST]
    )
    return [{**row, "url": link(row["id"])} for row in rows]


def _consultation(
    *,
    starts_at: datetime,
    ends_at: datetime,
    subject: str,
    tutor: str,
    question: str,
    url: str,
    join_url: str,
) -> dict[str, Any]:
    return {
        "starts_at": starts_at,
        "ends_at": ends_at,
        "subject": subject,
        "tutor": tutor,
        "question": question,
        "url": url,
        "join_url": join_url,
    }


# --- teacher -------------------------------------------------------------------------------------


@role_panel(
    role=Role.TEACHER,
    key="teacher-next",
    title=gettext_lazy("What's next"),
    template="portal/panels/_teacher.html",
)
def teacher_panel(request: HttpRequest, membership: Membership, here: Organisation) -> dict[str, Any]:
    """Next consultations (here and with the centre) with their join links, what waits for the
    teacher's answer (a Help Hour question, a waitlist place), new materials in their subjects."""
    from consultations.models import Booking, WaitlistEntry

    user = request.user
    now = timezone.now()
    # On the request's membership: the dashboard's own line of subjects reads the same cache.
    prefetch_related_objects([membership], "subjects")
    subject_ids = [s.pk for s in membership.subjects.all()]
    upcoming = [
        _consultation(
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            subject=str(b.slot.offering.subject),
            tutor=b.slot.tutor.get_full_name(),
            question=b.question,
            url="/consultations/my/",
            join_url=f"/consultations/slots/{b.slot_id}/join/" if b.slot.video_room else "",
        )
        for b in Booking.objects.filter(teacher_id=user.pk, ends_at__gte=now, status=Booking.Status.CONFIRMED)
        .select_related("slot__offering__subject", "slot__tutor")
        .order_by("starts_at")[:LIST]
    ]
    materials = _recent_materials(subject_ids, now, lambda pk: f"/casebank/materials/{pk}/")
    waiting: list[dict[str, Any]] = []
    centre = district.centre_of(here)
    if centre is not None:
        from consultations.help_hour.models import HelpHourRequest
        from consultations.help_hour.models import Status as RequestStatus

        my_consultations = district.go_url(centre, "/consultations/my/")
        # One switch into the centre's schema for all of its reads.
        with tenant_context(centre):
            upcoming += [
                _consultation(
                    starts_at=b.starts_at,
                    ends_at=b.ends_at,
                    subject=b.subject,
                    tutor=b.tutor,
                    question=b.question,
                    url=my_consultations,
                    join_url=b.join_url,
                )
                for b in district.bookings_in_centre(user=user, centre=centre, since=now, limit=LIST)
            ]
            for entry in WaitlistEntry.objects.filter(
                teacher_id=user.pk, status=WaitlistEntry.Status.OFFERED
            ).select_related("slot__offering__subject")[:LIST]:
                until = (
                    timezone.localtime(entry.offer_expires_at, centre.zone).strftime("%d.%m %H:%M")
                    if entry.offer_expires_at
                    else ""
                )
                waiting.append(
                    {
                        "text": _("A place is offered to you: %(subject)s, until %(until)s")
                        % {"subject": entry.slot.offering.subject, "until": until},
                        "url": my_consultations,
                    }
                )
            for request_row in HelpHourRequest.objects.filter(
                organisation_id=here.pk, requester_id=user.pk, status=RequestStatus.NEEDS_CLARIFICATION
            ).select_related("subject")[:LIST]:
                waiting.append(
                    {
                        "text": _("The Help Hour asks you to clarify your request: %(subject)s")
                        % {"subject": request_row.subject},
                        "url": f"/consultations/help-hour/{request_row.pk}/",
                    }
                )
            materials += _recent_materials(
                subject_ids, now, lambda pk: district.go_url(centre, f"/casebank/materials/{pk}/")
            )
    return {
        "upcoming": sorted(upcoming, key=lambda row: row["starts_at"])[:LIST],
        "waiting": waiting,
        "materials": materials[: LIST * 2],
        "zone": here.zone,
        "book_url": "/consultations/",
        "has_subjects": bool(subject_ids),
    }


# --- tutor ---------------------------------------------------------------------------------------


@role_panel(
    role=Role.TUTOR,
    key="tutor-next",
    title=gettext_lazy("My consultations as tutor"),
    template="portal/panels/_tutor.html",
)
def tutor_panel(request: HttpRequest, membership: Membership, here: Organisation) -> dict[str, Any]:
    """Today's and this week's consultations the tutor leads, with the questions; Help Hour sessions."""
    from consultations.help_hour.models import HelpHourSession
    from consultations.models import Booking

    zone = here.zone
    now = timezone.now()
    today = timezone.localtime(now, zone).date()
    end_of_today = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    end_of_week = datetime.combine(today + timedelta(days=7 - today.weekday()), time(0), tzinfo=zone)
    bookings = list(
        Booking.objects.filter(slot__tutor_id=request.user.pk, ends_at__gte=now, starts_at__lt=end_of_week)
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("slot__offering__subject", "teacher")
        .order_by("starts_at")[:30]
    )
    sessions = (
        list(
            HelpHourSession.objects.filter(
                tutors__id=membership.user_id, ends_at__gte=now, held_at__isnull=True
            )
            .select_related("subject")
            .order_by("starts_at")[:LIST]
        )
        if here.kind == CENTRE
        else []
    )
    return {
        "today": [b for b in bookings if b.starts_at < end_of_today],
        "week": [b for b in bookings if b.starts_at >= end_of_today],
        "sessions": sessions,
        "zone": zone,
    }


# --- methodologist ---------------------------------------------------------------------------------


@role_panel(
    role=Role.METHODOLOGIST,
    key="methodologist-next",
    title=gettext_lazy("Waiting for you"),
    template="portal/panels/_methodologist.html",
    kinds=(CENTRE,),
)
def methodologist_panel(request: HttpRequest, membership: Membership, here: Organisation) -> dict[str, Any]:
    """The Help Hour queue, materials to moderate, held sessions without an outcome: 3 counts."""
    from casebank.models import MaterialVersion, Status
    from consultations.help_hour.models import HelpHourRequest, HelpHourSession
    from consultations.help_hour.models import Status as RequestStatus

    return {
        "queue": HelpHourRequest.objects.filter(status=RequestStatus.SUBMITTED).count(),
        "to_moderate": MaterialVersion.objects.filter(status=Status.SUBMITTED).count(),
        "without_outcome": HelpHourSession.objects.filter(
            ends_at__lt=timezone.now(), outcome_recorded_at__isnull=True
        ).count(),
    }


# --- school admin ------------------------------------------------------------------------------------


OPEN_REQUESTS = ("submitted", "needs_clarification", "accepted", "scheduled")


@role_panel(
    role=Role.SCHOOL_ADMIN,
    key="school-admin-next",
    title=gettext_lazy("Your school now"),
    template="portal/panels/_school_admin.html",
    kinds=(SCHOOL,),
)
def school_admin_panel(request: HttpRequest, membership: Membership, here: Organisation) -> dict[str, Any]:
    """The school's open Help Hour requests (in the centre), invitations not yet accepted,
    staff without subjects."""
    invitations = list(
        Invitation.objects.pending()
        .filter(organisation=here)
        .order_by("-created_at")
        .values("id", "email", "last_name", "first_name")[:LIST]
    )
    without_subjects = list(
        Membership.objects.filter(
            organisation=here, is_active=True, role__in=(Role.TEACHER, Role.TUTOR), subjects__isnull=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name")[:LIST]
    )
    open_requests: list[Any] = []
    centre = district.centre_of(here)
    if centre is not None:
        from consultations.help_hour.models import HelpHourRequest

        with tenant_context(centre):
            open_requests = list(
                HelpHourRequest.objects.filter(organisation_id=here.pk, status__in=OPEN_REQUESTS)
                .select_related("subject", "requester")
                .order_by("-submitted_at")[:LIST]
            )
    return {"invitations": invitations, "without_subjects": without_subjects, "open_requests": open_requests}


# --- centre admin ------------------------------------------------------------------------------------


@role_panel(
    role=Role.CENTRE_ADMIN,
    key="centre-admin-next",
    title=gettext_lazy("The district now"),
    template="portal/panels/_centre_admin.html",
    kinds=(CENTRE,),
)
def centre_admin_panel(request: HttpRequest, membership: Membership, here: Organisation) -> dict[str, Any]:
    """Schools being onboarded (no administrator yet, or invitations open) and tutors without offerings."""
    from consultations.models import Offering

    now = timezone.now()
    schools = list(
        Organisation.objects.filter(centre=here, is_active=True)
        .annotate(
            admins=Count(
                "memberships",
                filter=Q(memberships__role=Role.SCHOOL_ADMIN, memberships__is_active=True),
                distinct=True,
            ),
            open_invitations=Count(
                "invitations",
                filter=Q(
                    invitations__accepted_at__isnull=True,
                    invitations__revoked_at__isnull=True,
                    invitations__expires_at__gt=now,
                ),
                distinct=True,
            ),
        )
        .filter(Q(admins=0) | Q(open_invitations__gt=0))
        .order_by("short_name")[: LIST * 2]
    )
    idle_tutors = list(
        Membership.objects.filter(organisation=here, role=Role.TUTOR, is_active=True)
        .annotate(has_offering=Exists(Offering.objects.filter(tutor_id=OuterRef("user_id"), is_active=True)))
        .filter(has_offering=False)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")[: LIST * 2]
    )
    return {"schools": schools, "idle_tutors": idle_tutors}


def register_all() -> None:
    for function in (teacher_panel, tutor_panel, methodologist_panel, school_admin_panel, centre_admin_panel):
        panels.register(function)
