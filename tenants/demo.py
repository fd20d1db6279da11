"""The demo district that ``./run demo`` (``manage.py seed_demo``) puts on the platform.

A centre, three schools, the shared directories and a dozen people with one
demo password.  Seeding is idempotent: an organisation is found by its schema
name, a person by e-mail, a subject by name or code, so running it again (or
on a database that already has ``centre``/``school1``/``school2``, like the
test district) adds only what is missing.

It writes models directly instead of going through the services: there is no
actor yet to check permissions against, and a demo seed must not send
invitations.  It does run in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction

from accounts.models import CENTRE_ROLES, SCHOOL_ROLES, Membership, Role, User
from tutornet.errors import ConflictError
from tutornet.tenancy import forget_hosts

from .bootstrap import public_tenant_ensure
from .models import AcademicYear, Domain, Organisation, Subject
from .services import organisation_create

DEMO_PASSWORD = "demo-2026"

# (code, name)
DEMO_SUBJECTS = [
    ("math", "Математика"),
    ("russian", "Русский язык"),
    ("literature", "Литература"),
    ("physics", "Физика"),
    ("chemistry", "Химия"),
    ("biology", "Биология"),
    ("history", "История"),
    ("social-studies", "Обществознание"),
    ("geography", "География"),
    ("informatics", "Информатика"),
    ("english", "Английский язык"),
]

DEMO_ACADEMIC_YEAR = ("2026/2027", date(2026, 9, 1), date(2027, 8, 31))


@dataclass(frozen=True)
class DemoOrganisation:
    subdomain: str  # also the schema name
    kind: str
    name: str
    short_name: str


DEMO_CENTRE = DemoOrganisation("centre", "centre", "МБУ «Центр развития образования»", "ЦРО")
DEMO_SCHOOLS = [
    DemoOrganisation(
        f"school{n}", "school", f"МБОУ «Средняя общеобразовательная школа № {n}»", f"Школа № {n}"
    )
    for n in (1, 2, 3)
]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    last_name: str
    first_name: str
    patronymic: str
    # (organisation subdomain, role, subject codes)
    memberships: tuple[tuple[str, str, tuple[str, ...]], ...]

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name} {self.patronymic}"


DEMO_PEOPLE = [
    DemoPerson(
        "centre-admin@example.org", "Соколова", "Ирина", "Владимировна", (("centre", Role.CENTRE_ADMIN, ()),)
    ),
    DemoPerson(
        "methodologist@example.org",
        "Лебедева",
        "Ольга",
        "Николаевна",
        (("centre", Role.METHODOLOGIST, ("russian", "literature")),),
    ),
    # A municipal tutor at the centre who also teaches at school 1.
    DemoPerson(
        "tutor@example.org",
        "Морозов",
        "Андрей",
        "Викторович",
        (("centre", Role.TUTOR, ("math", "physics")), ("school1", Role.TEACHER, ("math",))),
    ),
    DemoPerson(
        "school1-admin@example.org", "Кузнецова", "Елена", "Петровна", (("school1", Role.SCHOOL_ADMIN, ()),)
    ),
    DemoPerson(
        "school1-teacher1@example.org",
        "Васильев",
        "Дмитрий",
        "Сергеевич",
        (("school1", Role.TEACHER, ("informatics",)),),
    ),
    DemoPerson(
        "school1-teacher2@example.org",
        "Новикова",
        "Анна",
        "Михайловна",
        (("school1", Role.TEACHER, ("history", "social-studies")),),
    ),
    DemoPerson(
        "school2-admin@example.org", "Павлов", "Игорь", "Александрович", (("school2", Role.SCHOOL_ADMIN, ()),)
    ),
    DemoPerson(
        "school2-teacher1@example.org",
        "Фёдорова",
        "Татьяна",
        "Юрьевна",
        (("school2", Role.TEACHER, ("biology", "chemistry")),),
    ),
    DemoPerson(
        "school2-teacher2@example.org",
        "Козлов",
        "Сергей",
        "Иванович",
        (("school2", Role.TEACHER, ("geography",)),),
    ),
    DemoPerson(
        "school3-admin@example.org", "Смирнова", "Марина", "Алексеевна", (("school3", Role.SCHOOL_ADMIN, ()),)
    ),
    DemoPerson(
        "school3-teacher1@example.org",
        "Попов",
        "Алексей",
        "Дмитриевич",
        (("school3", Role.TEACHER, ("english",)),),
    ),
    DemoPerson(
        "school3-teacher2@example.org",
        "Волкова",
        "Наталья",
        "Геннадьевна",
        (("school3", Role.TEACHER, ("russian", "literature")),),
    ),
]


@dataclass
class DemoDistrict:
    public: Organisation
    centre: Organisation
    schools: list[Organisation]
    people: dict[str, User]
    created: list[str] = field(default_factory=list)  # what this run added, for the console

    @property
    def organisations(self) -> list[Organisation]:
        return [self.centre, *self.schools]


def demo_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.BASE_DOMAIN}"


def _organisation_ensure(
    spec: DemoOrganisation, centre: Organisation | None, created: list[str]
) -> Organisation:
    organisation = Organisation.objects.filter(schema_name=spec.subdomain).first()
    if organisation is None:
        organisation, _ = organisation_create(
            kind=spec.kind,
            name=spec.name,
            short_name=spec.short_name,
            subdomain=spec.subdomain,
            centre=centre,
        )
        created.append(f"organisation {spec.short_name}")
        return organisation
    if organisation.kind != spec.kind:
        raise ConflictError(f"schema {spec.subdomain!r} belongs to a {organisation.kind}, not a {spec.kind}")
    host = demo_host(spec.subdomain)
    domain = Domain.objects.filter(domain=host).first()
    if domain is None:
        Domain.objects.create(domain=host, tenant=organisation, is_primary=not organisation.domains.exists())
        created.append(f"domain {host}")
    elif domain.tenant_id != organisation.pk:
        raise ConflictError(f"{host} already serves another organisation")
    return organisation


def _subjects_ensure(created: list[str]) -> dict[str, Subject]:
    subjects: dict[str, Subject] = {}
    for code, name in DEMO_SUBJECTS:
        subject = Subject.objects.filter(name=name).first() or Subject.objects.filter(code=code).first()
        if subject is None:
            from portal.demo import subject_name_en

            subject = Subject.objects.create(name=name, code=code, name_en=subject_name_en(code))
            created.append(f"subject {name}")
        subjects[code] = subject
    return subjects


def _academic_year_ensure(created: list[str]) -> AcademicYear:
    name, starts_on, ends_on = DEMO_ACADEMIC_YEAR
    year = AcademicYear.objects.filter(name=name).first()
    if year is None:
        AcademicYear.objects.filter(is_current=True).update(is_current=False)
        year = AcademicYear.objects.create(name=name, starts_on=starts_on, ends_on=ends_on, is_current=True)
        created.append(f"academic year {name}")
    elif not year.is_current:
        AcademicYear.objects.filter(is_current=True).update(is_current=False)
        year.is_current = True
        year.save(update_fields=["is_current"])
    return year


def _person_ensure(
    spec: DemoPerson, organisations: dict[str, Organisation], subjects: dict[str, Subject], created: list[str]
) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = User.objects.create_user(
            spec.email,
            DEMO_PASSWORD,
            last_name=spec.last_name,
            first_name=spec.first_name,
            patronymic=spec.patronymic,
        )
        created.append(f"person {spec.full_name} <{spec.email}>")
    for subdomain, role, codes in spec.memberships:
        organisation = organisations[subdomain]
        allowed = SCHOOL_ROLES if organisation.is_school else CENTRE_ROLES
        if role not in allowed:  # a mistake in the data above, not in the database
            raise ValueError(f"{role} is not a role of a {organisation.kind}")
        membership, made = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        if not made and (membership.role != role or not membership.is_active):
            membership.role, membership.is_active = role, True
            membership.save(update_fields=["role", "is_active"])
        membership.subjects.add(*(subjects[code] for code in codes))
    return user


@transaction.atomic
def demo_district_seed() -> DemoDistrict:
    """Make sure the demo district exists; add only what is missing."""
    created: list[str] = []
    public = public_tenant_ensure()
    centre = _organisation_ensure(DEMO_CENTRE, None, created)
    schools = [_organisation_ensure(spec, centre, created) for spec in DEMO_SCHOOLS]
    organisations = {o.schema_name: o for o in (centre, *schools)}
    subjects = _subjects_ensure(created)
    _academic_year_ensure(created)
    people = {spec.email: _person_ensure(spec, organisations, subjects, created) for spec in DEMO_PEOPLE}
    transaction.on_commit(forget_hosts)
    return DemoDistrict(public=public, centre=centre, schools=schools, people=people, created=created)


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(e-mail, name, what they are) for the console and the README."""
    rows = []
    for person in DEMO_PEOPLE:
        roles = ", ".join(f"{Role(role).label} @ {subdomain}" for subdomain, role, _ in person.memberships)
        rows.append((person.email, person.full_name, roles))
    return rows
