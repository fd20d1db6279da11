""" "What's next" on the home page, one panel per role (``tutornet.panels``).

Each function decides from the request's memberships whether the person has the role
here, and keeps to a few fixed queries (the dashboard's query count is asserted per role
in tests/portal/test_dashboards.py).  Cross-level reads go through ``district``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from accounts.models import Invitation, Membership, Role
from tenants.models import Organisation
from tutornet import panels

from . import district

RECENT = timedelta(days=30)
LIST = 5


def _membership(request: HttpRequest) -> Membership | None:
    membership = getattr(request, "membership", None)
    return membership if membership is not None and membership.is_active else None


def _here() -> Organisation | None:
    return district.current()


# --- teacher -------------------------------------------------------------------------------------


def teacher_panel(request: HttpRequest) -> panels.Panel | None:
    """Next consultations (here and with the centre) with their join links, what waits for the
    teacher's answer (a Help Hour question, a waitlist place), new materials in their subjects."""
    membership = _membership(request)
    here = _here()
    if membership is None or here is None or membership.role != Role.TEACHER:
        return None
    from casebank.models import Material, Status
    from consultations.models import Booking, WaitlistEntry

    user = request.user
    now = timezone.now()
    local = [
        {
            "starts_at": b.starts_at,
            "ends_at": b.ends_at,
            "subject": str(b.slot.offering.subject),
            "tutor": b.slot.tutor.get_full_name(),
            "question": b.question,
            "url": "/consultations/my/",
            "join_url": f"/consultations/slots/{b.slot_id}/join/" if b.slot.video_room else "",
        }
        for b in Booking.objects.filter(teacher_id=user.pk, ends_at__gte=now, status=Booking.Status.CONFIRMED)
        .select_related("slot__offering__subject", "slot__tutor")
        .order_by("starts_at")[:LIST]
    ]
    subject_ids = [s.pk for s in membership.subjects.all()]
    materials = (
        list(
            Material.objects.filter(
                status=Status.PUBLISHED, published_at__gte=now - RECENT, subjects__in=subject_ids
            )
            .distinct()
            .order_by("-published_at")
            .values("id", "title")[:LIST]
        )
        if subject_ids
        else []
    )
    centre = district.centre_of(here)
    waiting: list[dict[str, Any]] = []
    district_rows: list[dict[str, Any]] = []
    district_materials: list[dict[str, Any]] = []
    if centre is not None:
        from consultations.help_hour.models import HelpHourRequest
        from consultations.help_hour.models import Status as RequestStatus

        for b in district.district_bookings(user=user, school=here, since=now):
            if len(district_rows) >= LIST:
                break
            district_rows.append(
                {
                    "starts_at": b.starts_at,
                    "ends_at": b.ends_at,
                    "subject": b.subject,
                    "tutor": b.tutor,
                    "question": b.question,
                    "url": district.go_url(centre, "/consultations/my/"),
                    "join_url": b.join_url,
                }
            )
        with tenant_context(centre):
            for entry in WaitlistEntry.objects.filter(
                teacher_id=user.pk, status=WaitlistEntry.Status.OFFERED
            ).select_related("slot__offering__subject")[:LIST]:
                waiting.append(
                    {
                        "text": _("A place is offered to you: %(subject)s, until %(until)s")
                        % {
                            "subject": entry.slot.offering.subject,
                            "until": timezone.localtime(entry.offer_expires_at, centre.zone).strftime(
                                "%d.%m %H:%M"
                            )
                            if entry.offer_expires_at
                            else "",
                        },
                        "url": district.go_url(centre, "/consultations/my/"),
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
            if subject_ids:
                district_materials = [
                    {**row, "url": district.go_url(centre, f"/casebank/materials/{row['id']}/")}
                    for row in Material.objects.filter(
                        status=Status.PUBLISHED, published_at__gte=now - RECENT, subjects__in=subject_ids
                    )
                    .distinct()
                    .order_by("-published_at")
                    .values("id", "title")[:LIST]
                ]
    upcoming = sorted(local + district_rows, key=lambda row: row["starts_at"])[:LIST]
    new_materials = [
        {**row, "url": f"/casebank/materials/{row['id']}/"} for row in materials
    ] + district_materials
    return panels.Panel(
        key="teacher-next",
        title=_("What's next"),
        template="portal/panels/_teacher.html",
        context={
            "upcoming": upcoming,
            "waiting": waiting,
            "materials": new_materials[: LIST * 2],
            "zone": here.zone,
            "book_url": "/consultations/",
            "has_subjects": bool(subject_ids),
        },
        order=5,
    )


# --- tutor ---------------------------------------------------------------------------------------


def tutor_panel(request: HttpRequest) -> panels.Panel | None:
    """Today's and this week's consultations the tutor leads, with the questions; Help Hour sessions."""
    membership = _membership(request)
    here = _here()
    if (
        membership is None
        or here is None
        or membership.role != Role.TUTOR
        or membership.organisation_id != here.pk
    ):
        return None
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
        if here.kind == Organisation.Kind.CENTRE
        else []
    )
    return panels.Panel(
        key="tutor-next",
        title=_("My consultations as tutor"),
        template="portal/panels/_tutor.html",
        context={
            "today": [b for b in bookings if b.starts_at < end_of_today],
            "week": [b for b in bookings if b.starts_at >= end_of_today],
            "sessions": sessions,
            "zone": zone,
        },
        order=5,
    )


# --- methodologist ---------------------------------------------------------------------------------


def methodologist_panel(request: HttpRequest) -> panels.Panel | None:
    """The Help Hour queue, materials to moderate, held sessions without an outcome: 3 counts."""
    membership = _membership(request)
    here = _here()
    if (
        membership is None
        or here is None
        or here.kind != Organisation.Kind.CENTRE
        or membership.organisation_id != here.pk
        or membership.role != Role.METHODOLOGIST
    ):
        return None
    from casebank.models import MaterialVersion, Status
    from consultations.help_hour.models import HelpHourRequest, HelpHourSession
    from consultations.help_hour.models import Status as RequestStatus

    now = timezone.now()
    return panels.Panel(
        key="methodologist-next",
        title=_("Waiting for you"),
        template="portal/panels/_methodologist.html",
        context={
            "queue": HelpHourRequest.objects.filter(status=RequestStatus.SUBMITTED).count(),
            "to_moderate": MaterialVersion.objects.filter(status=Status.SUBMITTED).count(),
            "without_outcome": HelpHourSession.objects.filter(
                ends_at__lt=now, outcome_recorded_at__isnull=True
            ).count(),
        },
        order=5,
    )


# --- school admin ------------------------------------------------------------------------------------


OPEN_REQUESTS = ("submitted", "needs_clarification", "accepted", "scheduled")


def school_admin_panel(request: HttpRequest) -> panels.Panel | None:
    """The school's open Help Hour requests (in the centre), invitations not yet accepted,
    staff without subjects."""
    membership = _membership(request)
    here = _here()
    if (
        membership is None
        or here is None
        or here.kind != Organisation.Kind.SCHOOL
        or membership.organisation_id != here.pk
        or membership.role != Role.SCHOOL_ADMIN
    ):
        return None
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
    return panels.Panel(
        key="school-admin-next",
        title=_("Your school now"),
        template="portal/panels/_school_admin.html",
        context={
            "invitations": invitations,
            "without_subjects": without_subjects,
            "open_requests": open_requests,
        },
        order=5,
    )


# --- centre admin ------------------------------------------------------------------------------------


def centre_admin_panel(request: HttpRequest) -> panels.Panel | None:
    """Schools being onboarded (no administrator yet, or invitations open) and tutors without offerings."""
    membership = _membership(request)
    here = _here()
    if (
        membership is None
        or here is None
        or here.kind != Organisation.Kind.CENTRE
        or membership.organisation_id != here.pk
        or membership.role != Role.CENTRE_ADMIN
    ):
        return None
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
    return panels.Panel(
        key="centre-admin-next",
        title=_("The district now"),
        template="portal/panels/_centre_admin.html",
        context={"schools": schools, "idle_tutors": idle_tutors},
        order=5,
    )


def register_all() -> None:
    for function in (teacher_panel, tutor_panel, methodologist_panel, school_admin_panel, centre_admin_panel):
        panels.register(function)
