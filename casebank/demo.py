"""The demo district's bank of case materials: the teachers' materials in their schools' banks,
most of them sent to the district bank and published there by the methodologist, one still
awaiting moderation, and a few ratings, comments and favourites from other schools.

Everything goes through the services, as the authors, the methodologist and the readers would.
Idempotent: a school's material with the same title already in its bank is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import User
from tenants.models import Organisation, Subject

from . import services
from .models import Kind, Material


@dataclass(frozen=True)
class DemoMaterial:
    school: str  # subdomain
    author: str  # e-mail
    title: str
    kind: str
    subjects: tuple[str, ...]  # subject codes
    grades: tuple[int, ...]
    topics: tuple[str, ...]
    abstract: str
    paragraphs: tuple[str, ...]
    district: str = "published"  # or "pending" (awaiting moderation), or "" (the school's bank only)


MATERIALS = [
    DemoMaterial(
        "school1", "tutor@example.org",
        "Технологическая карта урока «Решение квадратных уравнений»", Kind.TECHNOLOGICAL_MAP,
        ("math",), (8,), ("квадратные уравнения", "дискриминант"),
        "Урок открытия нового знания в 8 классе: от неполных квадратных уравнений к формуле корней. "
        "Этапы урока, деятельность учителя и учащихся, формируемые УУД, лист самооценки.",
        (
            "Цель: учащиеся выводят формулу корней квадратного уравнения и применяют её.",
            "Мотивация: задача о площади участка, которая сводится к квадратному уравнению.",
            "Рефлексия: лист самооценки «знаю — умею — хочу разобраться» и задание на дом по выбору.",
        ),
    ),
    DemoMaterial(
        "school1", "tutor@example.org",
        "Рабочая программа элективного курса «Практикум по решению задач ОГЭ по математике»",
        Kind.WORK_PROGRAM, ("math",), (9,), ("ОГЭ", "текстовые задачи", "геометрия"),
        "Программа на 34 часа для 9 класса: текстовые задачи, задачи на проценты, геометрия и "
        "практико-ориентированные задания первой части ОГЭ.",
        (
            "Планируемые результаты: учащиеся решают задания 1–5 и 15–19 ОГЭ без ошибок по невнимательности.",
            "Содержание: 6 модулей по 5–6 часов, в каждом — входная диагностика и зачётная работа.",
        ),
        district="pending",
    ),
    DemoMaterial(
        "school1", "school1-teacher1@example.org",
        "Кейс «Алгоритм на клетчатом поле»: подготовка к ОГЭ по информатике", Kind.CASE,
        ("informatics",), (9,), ("алгоритмы", "ОГЭ"),
        "Кейс для групповой работы: исполнитель на клетчатом поле, три уровня сложности и критерии "
        "оценивания решения.",
        (
            "Ситуация: роботу нужно обойти стены и закрасить клетки вдоль них.",
            "Вопросы для обсуждения в группе и типичные ошибки учащихся при записи циклов.",
        ),
    ),
    DemoMaterial(
        "school1", "school1-teacher2@example.org",
        "Кейс «Реформы Петра I глазами современников»: работа с историческими источниками", Kind.CASE,
        ("history",), (8,), ("реформы", "исторический источник"),
        "Кейс на анализ источников: отрывки из указов, воспоминаний и писем, вопросы на сопоставление "
        "точек зрения.",
        ("Учащиеся работают в парах: каждая пара получает два источника с разными оценками реформ.",),
        district="",
    ),
    DemoMaterial(
        "school1", "school1-teacher2@example.org",
        "Методические рекомендации: задания ОГЭ по обществознанию с развёрнутым ответом",
        Kind.RECOMMENDATION, ("social-studies",), (9,), ("ОГЭ", "развёрнутый ответ"),
        "Как учить формулировать и аргументировать ответ: алгоритм работы с заданием, образцы ответов, "
        "типичные ошибки по критериям.",
        (
            "Алгоритм: прочитать вопрос, найти в тексте ключевые понятия, привести пример из жизни.",
            "Разбор трёх ответов учащихся с оценкой по критериям ФИПИ.",
        ),
    ),
    DemoMaterial(
        "school2", "school2-teacher1@example.org",
        "Конспект урока «Клетка под микроскопом»: лабораторный практикум", Kind.LESSON_PLAN,
        ("biology",), (5,), ("клетка", "лабораторная работа"),
        "Лабораторная работа в 5 классе: приготовление микропрепарата кожицы лука, зарисовка, выводы.",
        ("Оборудование, инструктаж по технике безопасности, бланк отчёта для учащихся.",),
    ),
    DemoMaterial(
        "school2", "school2-teacher1@example.org",
        "Кейс «Кислотные дожди»: химия и экология родного края", Kind.CASE,
        ("chemistry",), (9,), ("кислоты", "экология"),
        "Межпредметный кейс: данные наблюдений за осадками, уравнения реакций, предложения для "
        "администрации района.",
        ("Учащиеся анализируют данные метеостанции и составляют уравнения реакций образования кислот.",),
        district="",
    ),
    DemoMaterial(
        "school2", "school2-teacher2@example.org",
        "Технологическая карта урока «Климатические пояса России»", Kind.TECHNOLOGICAL_MAP,
        ("geography",), (8,), ("климат", "карта"),
        "Урок с климатическими картами и климатограммами: учащиеся определяют пояс по данным и "
        "объясняют различия.",
        ("Приём «кластер» на этапе обобщения и взаимопроверка по образцу.",),
    ),
    DemoMaterial(
        "school3", "school3-teacher1@example.org",
        "Сценарий мастер-класса «Монологическое высказывание на ОГЭ по английскому языку»",
        Kind.MASTER_CLASS, ("english",), (9,), ("говорение", "ОГЭ"),
        "Мастер-класс для учителей: как готовить учащихся к заданию устной части, опорные планы и "
        "критерии оценивания.",
        ("Участники сами выступают в роли учащихся и оценивают ответы по критериям.",),
    ),
    DemoMaterial(
        "school3", "school3-teacher2@example.org",
        "Кейс «Сочинение-рассуждение 9.3»: как научить аргументировать", Kind.CASE,
        ("russian",), (9,), ("сочинение", "аргументация"),
        "Кейс для методического объединения: три сочинения учащихся, оценка по критериям, приёмы "
        "работы с аргументами из жизненного опыта.",
        (
            "Вопрос кейса: почему ученик с хорошей грамотностью теряет баллы за аргументацию?",
            "Приёмы: «тезис — аргумент — пример — вывод», банк аргументов класса.",
        ),
    ),
    DemoMaterial(
        "school3", "school3-teacher2@example.org",
        "Модульная программа тьюториала «Медленное чтение: анализ стихотворения»", Kind.TUTORIAL_PROGRAM,
        ("literature",), (7, 8), ("анализ стихотворения", "лирика"),
        "Программа тьюториала для учителей литературы: три модуля по два часа, от наблюдения над "
        "текстом к собственной интерпретации.",
        ("Модуль 1: звук и ритм. Модуль 2: образ и деталь. Модуль 3: от анализа к сочинению.",),
    ),
    DemoMaterial(
        "school3", "school3-teacher2@example.org",
        "Памятка «Пунктуация в сложном предложении»", Kind.OTHER,
        ("russian",), (8, 9), ("пунктуация",),
        "Памятка для учащихся: схемы сложных предложений и знаки препинания с примерами.",
        ("Схемы для сложносочинённых, сложноподчинённых и бессоюзных предложений.",),
        district="",
    ),
]  # fmt: skip

QUADRATIC = "Технологическая карта урока «Решение квадратных уравнений»"
ESSAY = "Кейс «Сочинение-рассуждение 9.3»: как научить аргументировать"
# (title of the district material, reader, score, comment, favourite)
ENGAGEMENT = [
    (QUADRATIC, "school2-teacher1@example.org", 5, "", True),
    (
        QUADRATIC, "school3-teacher2@example.org", 4,
        "Взяла лист самооценки на открытый урок в 8 классе: этап рефлексии прошёл удачно.", False,
    ),
    (ESSAY, "school1-teacher2@example.org", 5, "", True),
    ("Кейс «Алгоритм на клетчатом поле»: подготовка к ОГЭ по информатике", "tutor@example.org", 4, "", False),
    (
        "Технологическая карта урока «Климатические пояса России»", "school1-teacher1@example.org", 4,
        "Хорошо подойдёт и для 9 класса, если добавить задания с климатограммами из ОГЭ.", False,
    ),
]  # fmt: skip


def _body(paragraphs: tuple[str, ...]) -> str:
    return "".join(f"<p>{text}</p>" for text in paragraphs)


@transaction.atomic
def demo_casebank_seed(
    *, centre: Organisation, schools: list[Organisation], people: dict[str, User]
) -> list[str]:
    """Add the bank's demo materials that are missing; returns what was added, for the console."""
    by_subdomain = {school.schema_name: school for school in schools}
    subjects = {s.code: s for s in Subject.objects.all()}
    methodologist = people["methodologist@example.org"]
    added = []
    for spec in MATERIALS:
        school = by_subdomain[spec.school]
        author = people[spec.author]
        with tenant_context(school):
            if Material.objects.filter(title=spec.title).exists():
                continue
            material = services.material_create(
                actor=author, title=spec.title, kind=spec.kind, abstract=spec.abstract,
                body=_body(spec.paragraphs), subjects=[subjects[code] for code in spec.subjects],
                grades=spec.grades, topics=spec.topics,
            )  # fmt: skip
            material = services.material_publish_in_school(material=material, actor=author)
            copy = services.material_submit(material=material, actor=author) if spec.district else None
        if copy is not None and spec.district == "published":
            with tenant_context(centre):
                services.material_publish(material=copy, actor=methodologist)
        where = {"published": "and in the district bank", "pending": "sent to the district bank"}
        added.append(f"case material «{spec.title}» ({school.short_name} {where.get(spec.district, 'only')})")
    if added:
        with tenant_context(centre):
            for title, reader, score, comment, favourite in ENGAGEMENT:
                copy = Material.objects.get(title=title)
                services.material_rate(material=copy, score=score, actor=people[reader])
                if comment:
                    services.comment_create(material=copy, text=comment, actor=people[reader])
                if favourite:
                    services.favourite_set(material=copy, favourite=True, actor=people[reader])
        added.append(f"{len(ENGAGEMENT)} ratings of district materials, with comments and favourites")
    return added
