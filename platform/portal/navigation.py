"""The header's section navigation: the sections this person can use on this portal.

Built from the memberships the request already holds: no query of its own."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import Membership, Role
from consultations import permissions as consultation_permissions
from consultations.help_hour import permissions as help_hour_permissions
from tenants.models import Organisation
from tutorials.district import permissions as district_picture_permissions
from tutorials.events import permissions as event_permissions

from .district import go_url


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    url: str
    current: bool = False


def sections_for(request: HttpRequest) -> list[Section]:
    organisation = getattr(request, "tenant", None)
    if (
        organisation is None
        or not isinstance(organisation, Organisation)
        or organisation.schema_name == "public"
    ):
        return []
    membership = getattr(request, "membership", None)
    district = getattr(request, "district_membership", None)
    if district is None:
        return []
    wanted: list[tuple[str, str, str]] = [("home", _("Home"), "/")]
    school_side = organisation.kind == Organisation.Kind.SCHOOL
    if consultation_permissions.can_use(district) or school_side:
        wanted.append(("consultations", _("Consultations"), "/consultations/"))
    if (
        help_hour_permissions.is_school_staff(membership)
        or help_hour_permissions.can_see_centre_figures(membership)
        or help_hour_permissions.is_centre_tutor(membership)
    ):
        wanted.append(("help-hour", _("Help Hour"), "/consultations/help-hour/"))
    wanted.append(("casebank", _("Case bank"), "/casebank/"))
    wanted.append(("tutorials", _("Tutorials"), "/tutorials/"))
    if event_permissions.can_create(membership):  # the organisers: no other link leads there
        wanted.append(("events", _("Methodological weeks"), "/events/"))
    wanted += _district_year(organisation, district)
    wanted.append(("calendar", _("My calendar"), "/my/calendar/"))
    if account_permissions.can_manage_staff(membership):
        wanted.append(("staff", _("Staff"), "/staff/"))
    if district_picture_permissions.can_see_district(district):
        wanted.append(("analytics", _("Analytics"), "/district/"))
    elif district_picture_permissions.own_school(district) is not None:
        wanted.append(("my-school", _("My school"), "/district/my-school/"))
    elif (centre := district_picture_permissions.centre_for_school_admin(membership)) is not None:
        # "Моя школа" lives on the centre's portal: the school admin goes there by the portal hop.
        wanted.append(("my-school", _("My school"), go_url(centre, "/district/my-school/")))
    path = request.path
    # The most specific section that holds the page is the current one.
    best = max(
        (url for _key, _label, url in wanted if path == url or (url != "/" and path.startswith(url))),
        key=len,
        default="",
    )
    return [Section(key, label, url, current=url == best) for key, label, url in wanted]


def _district_year(organisation: Organisation, district: Membership) -> list[tuple[str, str, str]]:
    """The district's diagnostics and routes, which live on the centre's portal: from a school's
    portal the link hops there (no query: the centre is known by its id)."""
    at_centre = organisation.kind == Organisation.Kind.CENTRE
    centre_id = organisation.centre_id
    if not at_centre and centre_id is None:
        return []

    def there(path: str) -> str:
        return path if at_centre else go_url(centre_id, path)  # type: ignore[arg-type]

    role = district.role
    found: list[tuple[str, str, str]] = []
    if role == Role.TEACHER:
        found.append(("diagnostics", _("My diagnostics"), there("/diagnostics/my/")))
    elif role in (Role.METHODOLOGIST, Role.CENTRE_ADMIN) and at_centre:
        found.append(("diagnostics", _("Diagnostics"), "/diagnostics/campaigns/"))
    if role in (Role.TEACHER, Role.TUTOR, Role.METHODOLOGIST, Role.SCHOOL_ADMIN):
        found.append(("routes", _("Routes"), there("/routes/")))
    return found
