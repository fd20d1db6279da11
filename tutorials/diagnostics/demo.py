"""The demo's codifiers and question bank, seeded through the same services people use.

* the OGE mathematics codifier for the current academic year, and next year's with a few
  renumbered codes and the mapping between them, imported from the CSV files in
  ``demo_data/`` by the centre admin.  Source: the list of content elements (КЭС) of
  FIPI's OGE mathematics codifier in the three-level form FIPI published up to 2023
  (sections 1-8: «Числа и вычисления» … «Геометрия», «Статистика и теория
  вероятностей»), typed from knowledge of that document, without it at hand (no
  internet here).  FIPI's 2024+ codifiers (after the ФОП ООО) regroup the list and
  call section 8 «Вероятность и статистика»; a real centre imports the current file
  from fipi.ru through the same import.  "Next year's" file is an illustration of a
  renumbering (5.1.8-5.1.9 merged, a sets-and-logic topic before combinatorics), not
  a FIPI document;
* a bank of OGE mathematics items of every type over the codifier's topics
  (``demo_items``), written by the centre's methodologist.

Idempotent: what exists is left alone.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django_tenants.utils import tenant_context

from accounts.models import Membership, Role, User
from codifier import services as codifier_services
from codifier.models import Codifier, Exam, TopicMapping
from tenants.models import AcademicYear, Organisation, Subject

DATA = Path(__file__).resolve().parent / "demo_data"
SOURCE = (
    "Демонстрационный: перечень элементов содержания кодификатора ФИПИ для ОГЭ по математике "
    "в редакции до 2024 г. (разделы 1–8), набран без документа; сверьте с fipi.ru"
)


def _year_after(year: AcademicYear) -> AcademicYear:
    start = year.starts_on.year + 1
    found, _ = AcademicYear.objects.get_or_create(
        name=f"{start}/{start + 1}",
        defaults={"starts_on": date(start, 9, 1), "ends_on": date(start + 1, 8, 31)},
    )
    return found


def demo_codifiers_seed(*, centre: Organisation, admin: User) -> tuple[list[str], Codifier | None]:
    """The OGE mathematics codifiers of this year and the next, and their mapping."""
    created: list[str] = []
    subject = Subject.objects.filter(code="math").first()
    year = AcademicYear.objects.filter(is_current=True).first()
    if subject is None or year is None:
        return created, None
    next_year = _year_after(year)
    codifiers: list[Codifier] = []
    with tenant_context(centre):
        for academic_year, name in ((year, "oge_math_kes.csv"), (next_year, "oge_math_kes_next.csv")):
            codifier = Codifier.objects.filter(
                subject=subject, exam=Exam.OGE, academic_year=academic_year
            ).first()
            if codifier is None:
                with (DATA / name).open("rb") as stream:
                    codifier = codifier_services.codifier_import(
                        subject=subject,
                        exam=Exam.OGE,
                        academic_year=academic_year,
                        title=f"КЭС ОГЭ по математике, {academic_year.name}",
                        source=SOURCE,
                        stream=stream,
                        filename=name,
                        actor=admin,
                        organisation=centre,
                    )
                created.append(f"codifier {codifier.title} ({codifier.topics.count()} topics)")
            codifiers.append(codifier)
        old, new = codifiers
        if not TopicMapping.objects.filter(old__codifier=old, new__codifier=new).exists():
            with (DATA / "oge_math_kes_mapping.csv").open("rb") as stream:
                added = codifier_services.mapping_import(
                    old_codifier=old,
                    new_codifier=new,
                    stream=stream,
                    filename="oge_math_kes_mapping.csv",
                    actor=admin,
                    organisation=centre,
                )
            created.append(
                f"codifier mapping {old.academic_year.name} → {new.academic_year.name} ({added} codes)"
            )
    return created, codifiers[0]


def demo_diagnostics_seed(centre: Organisation) -> list[str]:
    """Everything of the bank's demo; one call from the demo seed."""
    admin = (
        Membership.objects.filter(organisation=centre, role=Role.CENTRE_ADMIN, is_active=True)
        .select_related("user")
        .first()
    )
    if admin is None:
        return []
    created, codifier = demo_codifiers_seed(centre=centre, admin=admin.user)
    methodologist = (
        Membership.objects.filter(organisation=centre, role=Role.METHODOLOGIST, is_active=True)
        .select_related("user")
        .first()
    )
    if codifier is not None and methodologist is not None:
        created += demo_items_seed(centre=centre, codifier=codifier, author=methodologist.user)
    return created


def demo_items_seed(*, centre: Organisation, codifier: Codifier, author: User) -> list[str]:
    """The demo bank in the centre's schema, through ``item_create``; items already there
    (by name) are left alone."""
    from .demo_items import DEMO_ITEMS
    from .models import Item
    from .services import item_create

    with tenant_context(centre):
        existing = set(Item.objects.filter(subject=codifier.subject).values_list("name", flat=True))
        topics = {t.code: t for t in codifier.topics.all()}
        added = 0
        for kind, name, codes, points, text, body in DEMO_ITEMS:
            if name in existing:
                continue
            item_create(
                subject=codifier.subject, type=kind, name=name, text=text, body=body, max_points=points,
                topics=[topics[c] for c in codes], actor=author,
            )  # fmt: skip
            added += 1
    return [f"question bank: {added} OGE mathematics items"] if added else []
