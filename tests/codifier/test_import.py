"""Importing a codifier and a mapping from CSV or XLSX: every bad row reported, nothing half-written."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context
from openpyxl import Workbook

from accounts.models import Role, User
from codifier import services
from codifier.errors import CodifierPermissionError, ImportRejectedError
from codifier.models import Codifier, CompetenceBlock, Exam, Topic, TopicMapping
from tenants.models import AcademicYear, Subject
from tests.conftest import District, member
from tutorials.diagnostics.demo import DATA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def setting(district: District) -> dict[str, object]:
    subject = Subject.objects.create(name="Математика (импорт)", code="math-import")
    years = [
        AcademicYear.objects.create(name=f"{y}/{y + 1}", starts_on=f"{y}-09-01", ends_on=f"{y + 1}-08-31")
        for y in (2040, 2041)
    ]
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    return {"subject": subject, "years": years, "admin": admin, "centre": district.centre}


def _import(
    setting: dict[str, object], data: bytes, name: str = "kes.csv", year: int = 0, **kw: object
) -> Codifier:
    with tenant_context(setting["centre"]):  # type: ignore[arg-type]
        return services.codifier_import(
            subject=setting["subject"],  # type: ignore[arg-type]
            exam=kw.pop("exam", Exam.OGE),  # type: ignore[arg-type]
            academic_year=setting["years"][year],  # type: ignore[index]
            title="КЭС",
            stream=io.BytesIO(data),
            filename=name,
            actor=kw.pop("actor", setting["admin"]),  # type: ignore[arg-type]
        )


def test_the_real_oge_mathematics_codifier_imports_with_its_eight_sections(
    setting: dict[str, object],
) -> None:
    codifier = _import(setting, (DATA / "oge_math_kes.csv").read_bytes())
    topics = {t.code: t for t in codifier.topics.select_related("parent")}
    sections = [t.title for t in codifier.topics.filter(parent=None).order_by("position")]
    assert sections == [
        "Числа и вычисления",
        "Алгебраические выражения",
        "Уравнения и неравенства",
        "Числовые последовательности",
        "Функции",
        "Координаты на прямой и плоскости",
        "Геометрия",
        "Статистика и теория вероятностей",
    ]
    assert topics["7.5"].parent == topics["7"] and topics["7.5.8"].parent == topics["7.5"]
    assert topics["2.3.2"].title.startswith("Формулы сокращённого умножения: квадрат суммы")
    assert "; формула разности квадратов" in topics["2.3.2"].title  # a ";" inside a quoted cell
    assert topics["1.1"].competence_block == CompetenceBlock.SUBJECT
    # Text problems are their own group of section 3, solved arithmetically or algebraically.
    assert [(c, topics[c].title) for c in ("3.3", "3.3.1", "3.3.2")] == [
        ("3.3", "Текстовые задачи"),
        ("3.3.1", "Решение текстовых задач арифметическим способом"),
        ("3.3.2", "Решение текстовых задач алгебраическим способом"),
    ]
    assert topics["3.3.2"].parent == topics["3.3"] and "3.1.12" not in topics
    assert topics["4.2"].title.endswith("Формула сложных процентов")
    assert [t.code for t in codifier.topics.order_by("position")][:3] == ["1", "1.1", "1.1.1"]


def test_an_xlsx_codifier_with_explicit_parents_and_blocks(setting: dict[str, object]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Title", "Parent code", "Competence block"])
    sheet.append(["1", "Нормативная база", None, "нормативно-правовой"])
    sheet.append(["1.1", "ФГОС ООО", "1", "Нормативно-правовой"])
    sheet.append([2, "Методика", None, "методический"])  # a number in the code cell
    stream = io.BytesIO()
    book.save(stream)
    codifier = _import(setting, stream.getvalue(), name="kes.xlsx")
    topics = {t.code: t for t in codifier.topics.all()}
    assert set(topics) == {"1", "1.1", "2"}
    assert topics["1.1"].parent_id == topics["1"].pk
    assert topics["1.1"].competence_block == CompetenceBlock.NORMATIVE
    assert topics["2"].competence_block == CompetenceBlock.METHODICAL


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(setting: dict[str, object]) -> None:
    data = (
        "code;title;parent;block\n"
        "1;Числа;;\n"
        ";Без кода;;\n"  # line 3
        "1.1;;;\n"  # line 4
        "1.x;Плохой код;;\n"  # line 5
        "1;Повтор;;\n"  # line 6
        "1.2;Дроби;9;\n"  # line 7
        "1.3;Проценты;;космический\n"  # line 8
        "1.4;Корни;;\n"
    ).encode("cp1251")
    codifiers, topics = Codifier.objects.count(), Topic.objects.count()
    with pytest.raises(ImportRejectedError) as error:
        _import(setting, data)
    problems = dict(error.value.problems)
    assert list(problems) == ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8"]
    assert "the code is empty" in problems["line 3"]
    assert "the title is empty" in problems["line 4"]
    assert "1.x" in problems["line 5"]
    assert "already on line 2" in problems["line 6"]
    assert "parent code 9 is not in the file" in problems["line 7"]
    assert "космический" in problems["line 8"]
    assert (Codifier.objects.count(), Topic.objects.count()) == (codifiers, topics)


def test_a_file_without_the_columns_or_not_a_table_is_refused(setting: dict[str, object]) -> None:
    with pytest.raises(ImportRejectedError) as error:
        _import(setting, "номер;что\n1;x\n".encode())
    assert "missing: code, title" in error.value.problems[0][1]
    with pytest.raises(ImportRejectedError) as error:
        _import(setting, b"PK\x03\x04 not really a zip", name="kes.xlsx")
    assert "not an XLSX" in error.value.problems[0][1]
    with pytest.raises(ImportRejectedError):
        _import(setting, b"")


def test_a_second_codifier_for_the_same_subject_exam_and_year_is_refused(setting: dict[str, object]) -> None:
    _import(setting, "code,title\n1,Числа\n".encode())
    with pytest.raises(services.CodifierInvalidError):
        _import(setting, "code,title\n1,Числа\n".encode())
    assert _import(setting, "code,title\n1,Числа\n".encode(), exam=Exam.EGE).exam == Exam.EGE


@pytest.mark.parametrize("role", [Role.METHODOLOGIST, Role.TUTOR])
def test_only_the_centre_admin_imports(district: District, setting: dict[str, object], role: str) -> None:
    other: User = member(district.centre, role).user
    with pytest.raises(CodifierPermissionError):
        _import(setting, "code,title\n1,Числа\n".encode(), actor=other)
    school_admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    with pytest.raises(CodifierPermissionError), tenant_context(district.school_a):
        services.codifier_import(
            subject=setting["subject"],  # type: ignore[arg-type]
            exam=Exam.OGE,
            academic_year=setting["years"][0],  # type: ignore[index]
            title="КЭС",
            stream=io.BytesIO(b"code,title\n1,x\n"),
            filename="k.csv",
            actor=school_admin,
        )
    assert not Codifier.objects.filter(subject=setting["subject"]).exists()


def test_the_demo_mapping_links_renumbered_codes_between_years(setting: dict[str, object]) -> None:
    old = _import(setting, (DATA / "oge_math_kes.csv").read_bytes())
    new = _import(setting, (DATA / "oge_math_kes_next.csv").read_bytes(), year=1)
    with tenant_context(setting["centre"]):  # type: ignore[arg-type]
        added = services.mapping_import(
            old_codifier=old,
            new_codifier=new,
            stream=(DATA / "oge_math_kes_mapping.csv").open("rb"),
            filename="map.csv",
            actor=setting["admin"],  # type: ignore[arg-type]
        )
    assert added == old.topics.count()
    assert list(
        TopicMapping.objects.filter(old__codifier=old, old__code="8.3.1").values_list("new__code", flat=True)
    ) == ["8.4.1"]
    merged = TopicMapping.objects.filter(new__codifier=new, new__code="5.1.8").values_list(
        "old__code", flat=True
    )
    assert sorted(merged) == ["5.1.8", "5.1.9"]


def test_a_mapping_with_unknown_codes_reports_each_and_writes_nothing(setting: dict[str, object]) -> None:
    old = _import(setting, "code,title\n1,Числа\n2,Выражения\n".encode())
    new = _import(setting, "code,title\n1,Числа\n3,Выражения\n".encode(), year=1)
    data = b"old code;new code\n1;1\n2;2\n7;3\n1;1\n"
    with tenant_context(setting["centre"]), pytest.raises(ImportRejectedError) as error:  # type: ignore[arg-type]
        services.mapping_import(
            old_codifier=old,
            new_codifier=new,
            stream=io.BytesIO(data),
            filename="m.csv",
            actor=setting["admin"],  # type: ignore[arg-type]
        )
    problems = dict(error.value.problems)
    assert list(problems) == ["line 3", "line 4", "line 5"]
    assert "no code “2”" in problems["line 3"] and "no code “7”" in problems["line 4"]
    assert "already on line 2" in problems["line 5"]
    assert not TopicMapping.objects.filter(old__codifier=old).exists()
