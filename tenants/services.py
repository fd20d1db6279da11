"""Writes about organisations: onboarding schools, school profiles, shared directories."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_tenants.utils import schema_context

from accounts import permissions
from accounts.models import Invitation, Membership, User
from accounts.services import audit, invitation_create_for_onboarding
from tutornet.errors import ConflictError, PermissionDeniedError, TutornetError, unique_or_conflict
from tutornet.tenancy import forget_hosts

from .models import AcademicYear, Domain, Organisation, Subject, validate_time_zone

SUBDOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")
# Never an organisation's address: ``www`` is stripped from every host (a school there could
# not be reached), the others name the platform's own services or PostgreSQL's schemas.
RESERVED_SUBDOMAINS = {"www", "api", "admin", "public", "static", "media", "mail"}
# pg_advisory_xact_lock key that queues onboardings (any constant unique to this purpose).
ONBOARDING_LOCK = 7_402_301
# The district's centre has this address; no school may take it.
CENTRE_SUBDOMAIN = "centre"


SIMULTANEOUS_YEAR_CHANGE = _lazy(
    "Another administrator changed the academic years at the same moment. Reload the page and try again."
)


@dataclass
class OnboardedSchool:
    school: Organisation
    domain: Domain
    invitation: Invitation
    seconds: float


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedError(_("You do not have permission to do this."))


def _clean_time_zone(value: str) -> str:
    try:
        validate_time_zone(value)
    except Exception:
        raise TutornetError(_("Unknown time zone: %(zone)s") % {"zone": value}, field="time_zone") from None
    return value


@transaction.atomic
def organisation_create(
    *,
    kind: str,
    name: str,
    short_name: str,
    subdomain: str,
    centre: Organisation | None = None,
    time_zone: str = "Europe/Moscow",
) -> tuple[Organisation, Domain]:
    """Create an organisation with its schema (all tenant migrations) and primary domain.

    One onboarding at a time: the tenant migrations add foreign keys to public tables
    (organisations, people), which wait on another onboarding's uncommitted new row while
    it waits on ours, a deadlock.  A transaction-level advisory lock queues them; the
    second then sees the first's address as taken (a 409) instead of a 500.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ONBOARDING_LOCK])
    subdomain = subdomain_check(subdomain, kind=kind)
    host = f"{subdomain}.{settings.BASE_DOMAIN}"
    taken = _("The address %(host)s is already taken.") % {"host": host}
    schema_name = subdomain.replace("-", "_")
    if (
        Domain.objects.filter(domain=host).exists()
        or Organisation.objects.filter(schema_name=schema_name).exists()
    ):
        raise ConflictError(taken, field="subdomain")
    if not name.strip() or not short_name.strip():
        raise TutornetError(_("Enter the full and the short name."), field="name")
    organisation = Organisation(
        schema_name=schema_name,
        kind=kind,
        name=name.strip(),
        short_name=short_name.strip(),
        centre=centre,
        time_zone=_clean_time_zone(time_zone),
    )
    # django-tenants creates a tenant only from the public schema; the onboarding
    # page runs on the centre's host, so switch for the save and switch back.
    # Two onboardings of one address at once: both pass the check above, the second waits on
    # the unique schema name (or domain) until the first commits, then gets a 409 here.
    with schema_context(settings.PUBLIC_SCHEMA_NAME), unique_or_conflict(taken, field="subdomain"):
        organisation.save(verbosity=0)  # creates the schema and runs the tenant migrations in it
        domain = Domain.objects.create(domain=host, tenant=organisation, is_primary=True)
    transaction.on_commit(forget_hosts)
    return organisation, domain


def subdomain_check(subdomain: str, *, kind: str = "school") -> str:
    """The normalised address, or a clear refusal: its form, reserved words, PostgreSQL's names."""
    subdomain = subdomain.strip().lower()
    if not SUBDOMAIN_RE.match(subdomain):
        raise TutornetError(
            _("The address must be 3–42 Latin letters, digits or hyphens and start with a letter."),
            field="subdomain",
        )
    reserved = RESERVED_SUBDOMAINS | ({CENTRE_SUBDOMAIN} if kind != Organisation.Kind.CENTRE else set())
    # PostgreSQL keeps the names starting with pg_ for itself (the schema is the address, - -> _).
    if subdomain in reserved or subdomain.replace("-", "_").startswith("pg_"):
        raise TutornetError(
            _("The address “%(subdomain)s” is reserved by the platform. Choose another one.")
            % {"subdomain": subdomain},
            field="subdomain",
        )
    return subdomain


@transaction.atomic
def school_onboard(
    *,
    centre: Organisation,
    name: str,
    short_name: str,
    subdomain: str,
    admin_email: str,
    actor: User,
    actor_membership: Membership | None,
    time_zone: str | None = None,
) -> OnboardedSchool:
    """Onboard a school: its schema, its domain and an invitation for its first administrator.

    One transaction: if any step fails (a taken address, a bad e-mail), no
    schema, domain or invitation is left behind.
    """
    _require(
        permissions.can_onboard_schools(actor_membership) and permissions.within(actor_membership, centre.pk)
    )
    started = time.perf_counter()
    school, domain = organisation_create(
        kind=Organisation.Kind.SCHOOL,
        name=name,
        short_name=short_name,
        subdomain=subdomain,
        centre=centre,
        time_zone=time_zone or centre.time_zone,
    )
    invitation = invitation_create_for_onboarding(organisation=school, email=admin_email, actor=actor)
    audit(actor=actor, organisation=centre, action="school.onboard", target=domain.domain)
    return OnboardedSchool(
        school=school, domain=domain, invitation=invitation, seconds=time.perf_counter() - started
    )


@transaction.atomic
def organisation_update_profile(
    *,
    organisation: Organisation,
    actor: User,
    actor_membership: Membership | None,
    name: str,
    short_name: str,
    time_zone: str,
    address: str = "",
    email: str = "",
    phone: str = "",
) -> Organisation:
    _require(
        permissions.can_edit_organisation_profile(actor_membership)
        and permissions.within(actor_membership, organisation.pk)
    )
    if not name.strip() or not short_name.strip():
        raise TutornetError(_("Enter the full and the short name."), field="name")
    organisation.name, organisation.short_name = name.strip(), short_name.strip()
    organisation.time_zone = _clean_time_zone(time_zone)
    organisation.address, organisation.email, organisation.phone = (
        address.strip(),
        email.strip(),
        phone.strip(),
    )
    organisation.save(update_fields=["name", "short_name", "time_zone", "address", "email", "phone"])
    audit(
        actor=actor,
        organisation=organisation,
        action="organisation.update_profile",
        target=organisation.short_name,
    )
    transaction.on_commit(forget_hosts)
    return organisation


@transaction.atomic
def subject_save(
    *,
    actor: User,
    actor_membership: Membership | None,
    name: str,
    code: str,
    is_active: bool = True,
    subject: Subject | None = None,
    name_en: str | None = None,
) -> Subject:
    _require(permissions.can_manage_directories(actor_membership))
    name, code = name.strip(), code.strip().lower()
    if not name or not code:
        raise TutornetError(_("Enter the name and the code."), field="name")
    clash = Subject.objects.filter(name__iexact=name) | Subject.objects.filter(code=code)
    if subject is not None:
        clash = clash.exclude(pk=subject.pk)
    exists = _("A subject with this name or code already exists.")
    if clash.exists():
        raise ConflictError(exists, field="name")
    subject = subject or Subject()
    subject.name, subject.code, subject.is_active = name, code, is_active
    if name_en is not None:  # None: keep the English name as it is
        subject.name_en = name_en.strip()
    # The database holds the same rule (subject_name_ci_unique): a race ends here as a 409.
    with unique_or_conflict(exists, field="name"):
        subject.save()
    audit(
        actor=actor,
        organisation=actor_membership.organisation if actor_membership else None,
        action="subject.save",
        target=name,
    )
    return subject


@transaction.atomic
def academic_year_save(
    *,
    actor: User,
    actor_membership: Membership | None,
    name: str,
    starts_on: date,
    ends_on: date,
    is_current: bool,
) -> AcademicYear:
    _require(permissions.can_manage_directories(actor_membership))
    if ends_on <= starts_on:
        raise TutornetError(_("The year must end after it starts."), field="ends_on")
    if AcademicYear.objects.filter(name=name.strip()).exists():
        raise ConflictError(_("This academic year already exists."), field="name")
    # Two administrators at once: the name and "one current year" constraints decide, as a 409.
    with unique_or_conflict(SIMULTANEOUS_YEAR_CHANGE, field="name"):
        if is_current:
            AcademicYear.objects.filter(is_current=True).update(is_current=False)
        year = AcademicYear.objects.create(
            name=name.strip(), starts_on=starts_on, ends_on=ends_on, is_current=is_current
        )
    audit(
        actor=actor,
        organisation=actor_membership.organisation if actor_membership else None,
        action="academic_year.save",
        target=year.name,
    )
    return year


@transaction.atomic
def academic_year_make_current(
    *, actor: User, actor_membership: Membership | None, year: AcademicYear
) -> AcademicYear:
    _require(permissions.can_manage_directories(actor_membership))
    with unique_or_conflict(SIMULTANEOUS_YEAR_CHANGE):
        AcademicYear.objects.filter(is_current=True).exclude(pk=year.pk).update(is_current=False)
        year.is_current = True
        year.save(update_fields=["is_current"])
    return year
