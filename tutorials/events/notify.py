"""Telling people about methodological weeks, through the notification outbox (as ``tutorials.notify``).

Publishing a week tells its audience, once: the members who may register for
it (``permissions.in_audience``) -- in a centre the teachers and tutors of its
schools and its own tutors, in a school its own teachers and tutors -- narrowed
to the chosen schools or subjects, never its organisers.  The rows are written
inside the publishing transaction, each in its recipient's language, and
delivered after commit.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from notifications.models import Kind
from notifications.services import notification_build, notifications_create
from tenants.models import Organisation
from tenants.selectors import organisation_url

from .models import Event
from .services._common import current_organisation


def page_path(event: Event) -> str:
    return f"/events/{event.pk}/"


def audience_users(event: Event) -> list[User]:
    """Who is told that ``event`` is published (see the module docstring)."""
    organisation = current_organisation()
    memberships = Membership.objects.filter(is_active=True, user__is_active=True)
    if organisation.kind == Organisation.Kind.CENTRE:
        memberships = memberships.filter(
            organisation__centre=organisation,
            organisation__is_active=True,
            role__in=[Role.TEACHER, Role.TUTOR],
        ) | memberships.filter(organisation=organisation, role=Role.TUTOR)
    else:
        memberships = memberships.filter(organisation=organisation, role__in=[Role.TEACHER, Role.TUTOR])
    if event.audience == Event.Audience.SCHOOLS:
        memberships = memberships.filter(organisation__in=list(event.audience_school_ids))
    elif event.audience == Event.Audience.SUBJECTS:
        memberships = memberships.filter(subjects__in=event.audience_subjects.values("pk"))
    organisers = event.organisers.values("pk")
    return list(
        User.objects.filter(pk__in=memberships.values("user_id")).exclude(pk__in=organisers).order_by("pk")
    )


def event_published(event: Event) -> int:
    """Write the "new week" message for everyone in the audience; returns how many."""
    organisation = current_organisation()
    link = organisation_url(organisation, page_path(event))
    rows = []
    for user in audience_users(event):
        with translation.override(user.language):
            facts = {
                "title": event.title,
                "from": date_format(event.starts_on, "j E Y"),
                "to": date_format(event.ends_on, "j E Y"),
                "organisation": organisation.short_name,
            }
            rows.append(
                notification_build(
                    kind=Kind.TUTORIAL_PUBLISHED,
                    recipient=user,
                    subject=_("New methodological week: %(title)s") % facts,
                    body=_("%(organisation)s opens registration for «%(title)s», %(from)s — %(to)s.") % facts,
                    link=link,
                    organisation=organisation,
                )
            )
    notifications_create(rows)
    return len(rows)
