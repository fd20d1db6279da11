"""The district both diagnostics benchmarks start from (``diagnostics_scoring``, ``diagnostics_september``).

A centre with schools, a mathematics subject and the current year, a methodologist, ``teachers``
teachers of mathematics spread over the schools, an OGE codifier of ten topics and a bank of
items of the four auto-scored types, written through the bank's own service. Call inside the
benchmark's Django set-up (``bench.common``), before any campaign exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ITEM_KINDS = ("single", "multiple", "short", "numeric")


@dataclass
class DiagnosticsWorld:
    centre: Any
    schools: list[Any]
    subject: Any
    year: Any
    methodologist: Any  # the User
    method_membership: Any
    users: list[Any]  # the teachers, in order; teacher i works at schools[i % len(schools)]
    versions: list[Any]  # the bank's first versions, in the order they were written (item.type known)


def _body(kind: str, n: int) -> dict[str, Any]:
    """Item ``n`` of ``kind``: choice ``a`` (``a`` and ``b`` if multiple) right, the text ``n``, ``n.5``."""
    bodies: dict[str, dict[str, Any]] = {
        "single": {
            "choices": [
                {"id": "a", "text": "1", "correct": True},
                {"id": "b", "text": "2"},
                {"id": "c", "text": "3"},
            ]
        },
        "multiple": {
            "choices": [
                {"id": "a", "text": "1", "correct": True},
                {"id": "b", "text": "2", "correct": True},
                {"id": "c", "text": "3"},
            ]
        },
        "short": {"answers": [str(n)]},
        "numeric": {"value": f"{n}.5", "tolerance": "0.01"},
    }
    return bodies[kind]


def diagnostics_world(*, teachers: int, schools: int, items: int, varied: bool) -> DiagnosticsWorld:
    """The district above. ``varied``: every third item on two topics and multiple-choice items worth
    2 points (what the item analysis needs); otherwise one topic and one point each."""
    from django_tenants.utils import tenant_context

    from accounts.models import Membership, Role, User
    from codifier.models import Codifier, Exam, Topic
    from tenants.models import AcademicYear, Subject
    from tenants.services import organisation_create
    from tutorials.diagnostics.models import ItemVersion
    from tutorials.diagnostics.services.items import item_create

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    # Each school costs a schema's migrations to set up: benchmarks ask for as few as they need.
    school_list = [
        organisation_create(
            kind="school", name=f"Школа № {n}", short_name=f"Школа {n}", subdomain=f"school{n}", centre=centre
        )[0]
        for n in range(1, schools + 1)
    ]
    subject = Subject.objects.create(name="Математика", code="math")
    year = AcademicYear.objects.create(
        name="2026/2027", starts_on="2026-09-01", ends_on="2027-08-31", is_current=True
    )
    methodologist = User.objects.create(
        email="method@centre.bench", last_name="Методистова", first_name="Анна"
    )
    method_membership = Membership.objects.create(
        user=methodologist, organisation=centre, role=Role.METHODOLOGIST
    )
    users = User.objects.bulk_create(
        [User(email=f"t{i}@school.bench", last_name="Учителев", first_name=f"У{i}") for i in range(teachers)]
    )
    memberships = Membership.objects.bulk_create(
        [
            Membership(user=u, organisation=school_list[i % schools], role=Role.TEACHER)
            for i, u in enumerate(users)
        ]
    )
    Membership.subjects.through.objects.bulk_create(
        [Membership.subjects.through(membership_id=m.pk, subject_id=subject.pk) for m in memberships]
    )
    versions = []
    with tenant_context(centre):
        codifier = Codifier.objects.create(subject=subject, exam=Exam.OGE, academic_year=year, title="КЭС")
        topics = [
            Topic.objects.create(codifier=codifier, code=f"{i + 1}.1", title=f"Тема {i + 1}", position=i)
            for i in range(10)
        ]
        for n in range(items):
            kind = ITEM_KINDS[n % 4]
            two_topics = varied and n % 3 == 0
            item = item_create(
                subject=subject,
                type=kind,
                text=f"Задание {n + 1}",
                body=_body(kind, n),
                topics=[topics[n % 10], topics[(n * 3 + 1) % 10]] if two_topics else [topics[n % 10]],
                actor=methodologist,
                max_points=2 if varied and kind == "multiple" else 1,
                name=f"Задание {n + 1}",
            )
            versions.append(ItemVersion.objects.select_related("item").get(item=item, number=1))
    return DiagnosticsWorld(
        centre=centre,
        schools=school_list,
        subject=subject,
        year=year,
        methodologist=methodologist,
        method_membership=method_membership,
        users=users,
        versions=versions,
    )
