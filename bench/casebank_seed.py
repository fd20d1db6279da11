"""Seeding of bench/casebank_search.py: a district bank of realistic Russian case materials, fast.

Sentences are built from the words of the project's source documents
(/work/shared/seeds/*.txt) plus subject and topic vocabulary, drawn with a Zipf distribution
so that some words are everywhere and many are rare (deterministic). ``load_materials``
writes them with COPY (see its docstring); 1,000,000 materials are seeded once into a kept
database (``--db NAME --seed-only``) and measured again with ``--reuse-db NAME``.
"""

from __future__ import annotations

import glob
import random
import re
import time
from datetime import timedelta
from typing import Any

SEEDS = "/work/shared/seeds/*.txt"

SUBJECTS = [
    (
        "Математика",
        "математике",
        [
            "дроби",
            "уравнения",
            "функции",
            "проценты",
            "геометрия",
            "тригонометрия",
            "логарифмы",
            "неравенства",
            "вероятность",
            "текстовые задачи",
        ],
    ),
    (
        "Русский язык",
        "русскому языку",
        [
            "орфография",
            "пунктуация",
            "сочинение",
            "изложение",
            "морфология",
            "синтаксис",
            "лексика",
            "причастия",
            "деепричастия",
        ],
    ),
    ("Литература", "литературе", ["лирика", "роман", "анализ стихотворения", "сочинение", "драма", "поэма"]),
    ("Физика", "физике", ["механика", "оптика", "электричество", "термодинамика", "колебания", "давление"]),
    ("Химия", "химии", ["реакции", "растворы", "органика", "периодическая система", "кислоты", "окисление"]),
    ("Биология", "биологии", ["клетка", "генетика", "экология", "ботаника", "зоология", "эволюция"]),
    ("История", "истории", ["реформы", "революция", "великая отечественная война", "культура", "хронология"]),
    ("Обществознание", "обществознанию", ["право", "экономика", "политика", "социальные институты"]),
    ("География", "географии", ["климат", "население", "карта", "природные зоны", "рельеф"]),
    ("Информатика", "информатике", ["алгоритмы", "программирование", "системы счисления", "логика", "графы"]),
    ("Английский язык", "английскому языку", ["грамматика", "аудирование", "лексика", "письмо", "говорение"]),
    ("Начальные классы", "начальным классам", ["чтение", "окружающий мир", "счёт", "письмо", "проект"]),
]
KIND_TITLES = {
    "case": ["Кейс", "Кейс-задание", "Учебный кейс"],
    "tutorial_program": ["Модульная программа тьюториала", "Программа тьюториала"],
    "lesson_plan": ["Конспект урока", "План урока", "Разработка урока"],
    "technological_map": ["Технологическая карта урока", "Технологическая карта"],
    "work_program": ["Рабочая программа", "Рабочая программа курса"],
    "master_class": ["Сценарий мастер-класса", "Мастер-класс"],
    "recommendation": ["Методические рекомендации", "Рекомендации для учителя"],
    "other": ["Сборник заданий", "Памятка", "Дидактический материал"],
}
DOMAIN_WORDS = """
урок ученик учитель педагог тьютор тьюторант методист школа класс задача задание упражнение решение ответ
проверка контроль оценивание критерий рефлексия мотивация цель результат компетенция навык умение знание
проект исследование практикум семинар тренинг супервизия консультация маршрут диагностика дефицит анкета
программа модуль занятие подготовка экзамен огэ егэ гиа олимпиада конкурс портфолио презентация защита
групповая индивидуальная работа пара команда обсуждение дискуссия игра кейс ситуация проблема вопрос гипотеза
эксперимент наблюдение вывод доказательство пример образец алгоритм схема таблица график диаграмма карта текст
источник документ словарь учебник пособие тетрадь рабочий лист тест опрос викторина эссе доклад реферат
наставничество сопровождение поддержка развитие образование обучение воспитание деятельность технология метод
приём форма средство ресурс оборудование лаборатория цифровой электронный дистанционный очный формат
""".split()  # noqa: SIM905 (a word list reads better as text)

# --- seeding ---------------------------------------------------------------------------------


def vocabulary() -> list[str]:
    words: dict[str, None] = {}
    for path in sorted(glob.glob(SEEDS)):
        with open(path, encoding="utf-8") as handle:
            for word in re.findall(r"[а-яё]{3,}", handle.read().lower()):
                words.setdefault(word, None)
    for word in DOMAIN_WORDS:
        words.setdefault(word, None)
    for _name, _genitive, topics in SUBJECTS:
        for topic in topics:
            for word in topic.split():
                words.setdefault(word, None)
    return list(words)


class TextMaker:
    """Sentences of real Russian words with a Zipf-like frequency (common and rare words)."""

    def __init__(self, words: list[str], seed: int = 20261122) -> None:
        self.random = random.Random(seed)
        shuffled = list(words)
        self.random.shuffle(shuffled)
        self.words = shuffled
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(shuffled))]
        total = sum(weights)
        cumulative, running = [], 0.0
        for weight in weights:
            running += weight / total
            cumulative.append(running)
        self.cumulative = cumulative

    def sentence(self, n: int) -> str:
        chosen = self.random.choices(self.words, cum_weights=self.cumulative, k=n)
        return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence(self.random.randint(6, 14)) for _ in range(sentences))


# Columns the loader writes (COPY); the two search vectors are computed from them by the services'
# own expressions in one INSERT ... SELECT.
_MATERIAL_COLUMNS = (
    "id", "title", "kind", "licence", "abstract", "body", "body_text", "grades", "topics", "created_by_id",
    "status", "current_version_id", "origin_organisation_id", "origin_material_id", "created_at",
    "updated_at", "published_at", "rating_count", "rating_sum", "rating_average", "download_count",
)  # fmt: skip


def material_rows(n: int, *, maker: TextMaker, schools: list[Any], authors: list[Any], methodologist: Any,
                  subjects: dict[str, int]) -> Any:  # fmt: skip
    """``n`` published materials (deterministic): the material's columns, then its subject's id."""
    from django.utils import timezone

    rnd = maker.random
    now = timezone.now()
    kinds = list(KIND_TITLES)
    for i in range(n):
        kind = rnd.choices(kinds, weights=[30, 6, 20, 12, 8, 8, 8, 8])[0]
        subject_name, genitive, topics = rnd.choice(SUBJECTS)
        chosen_topics = rnd.sample(topics, k=min(len(topics), rnd.randint(1, 3)))
        grade = rnd.randint(1, 11)
        grades = sorted({grade, min(11, grade + rnd.randint(0, 1))})
        title = (
            f"{rnd.choice(KIND_TITLES[kind])} по {genitive}: {chosen_topics[0]}, "
            f"{maker.sentence(rnd.randint(2, 5)).rstrip('.').lower()}"
        )[:300]
        abstract = maker.paragraph(rnd.randint(1, 2))
        body_text = maker.paragraph(rnd.randint(5, 12))
        licence = rnd.choice(["cc-by", "cc-by-sa", "cc-by-nc"])
        count = rnd.choice([0, 0, 1, 2, 3, 5, 8])
        total = sum(rnd.randint(1, 5) for _ in range(count))
        published = now - timedelta(minutes=i)
        author = authors[i % len(authors)].pk
        pk = i + 1
        body = f"<p>{body_text}</p>"
        material = (
            pk, title, kind, licence, abstract, body, body_text, grades, chosen_topics, author, "published",
            pk, schools[i % len(schools)].pk, 10_000_000 + i, published, published, published, count, total,
            round(total / count, 2) if count else 0, rnd.randint(0, 300),
        )  # fmt: skip
        yield (*material, subjects[subject_name])


def load_materials(n: int, **world: Any) -> dict[str, float]:
    """Load ``n`` published materials into the active schema's bank, fast (seconds per step returned).

    The rows are streamed with COPY into an unlogged staging table and the versions, subjects and
    authors straight into theirs; ONE ``INSERT ... SELECT`` then writes the materials with both
    search vectors computed by ``casebank.services``' own expressions (Django compiles them; the
    staging table is aliased as the material table).  The secondary indexes are dropped first and
    built once at the end (a GIN index built on loaded rows is far cheaper than 1,000,000 inserts
    into it), then ``VACUUM ANALYZE``.
    """
    from django.db import connection, transaction

    from casebank.models import Material
    from casebank.services import search_vectors

    timings: dict[str, float] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
            " AND i.tablename LIKE 'casebank_material%%' AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"
        )
        indexes = cursor.fetchall()
    vectors = {name: expr for name, expr in search_vectors().items()}
    with_vectors = Material.objects.order_by().annotate(**{f"new_{k}": v for k, v in vectors.items()})
    compiled, params = with_vectors.values_list(
        *_MATERIAL_COLUMNS, *(f"new_{k}" for k in vectors)
    ).query.sql_with_params()
    table = Material._meta.db_table
    compiled = compiled.replace(f'FROM "{table}"', f'FROM bench_stage "{table}"')
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for _name, _def in indexes:
            cursor.execute(f'DROP INDEX "{_name}"')
        cursor.execute(f'CREATE UNLOGGED TABLE bench_stage (LIKE "{table}" INCLUDING DEFAULTS)')
        cursor.execute("ALTER TABLE bench_stage ADD COLUMN subject_id bigint")
        columns = ", ".join(_MATERIAL_COLUMNS)
        with cursor.cursor.copy(f"COPY bench_stage ({columns}, subject_id) FROM STDIN") as copy:
            for row in material_rows(n, **world):
                copy.write_row(row)
        # Version 1 of each, published: what readers see (current_version_id = id).
        cursor.execute(
            "INSERT INTO casebank_materialversion (id, material_id, number, status, title, abstract, body,"
            " body_text, kind, licence, grades, topics, subject_ids, created_by_id, created_at, submitted_at,"
            " decided_at, decided_by_id, moderator_comment) SELECT id, id, 1, status, title, abstract, body,"
            " body_text, kind, licence, grades, topics, ARRAY[subject_id], created_by_id, published_at,"
            " published_at, published_at, %s, '' FROM bench_stage",
            [world["methodologist"].pk],
        )
        through_subjects = Material.subjects.through._meta.db_table
        through_authors = Material.authors.through._meta.db_table
        # Table names are the models' own.
        cursor.execute(
            f"INSERT INTO {through_subjects} (material_id, subject_id)"  # noqa: S608
            " SELECT id, subject_id FROM bench_stage"
        )
        cursor.execute(
            f"INSERT INTO {through_authors} (material_id, user_id)"  # noqa: S608
            " SELECT id, created_by_id FROM bench_stage"
        )
        timings["copy_s"] = time.perf_counter() - started
        step = time.perf_counter()
        cursor.execute(
            f'INSERT INTO "{table}" ({columns}, {", ".join(vectors)}) {compiled}',
            params,  # noqa: S608
        )
        cursor.execute("DROP TABLE bench_stage")
        for seq_table in (table, "casebank_materialversion", through_subjects, through_authors):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'),"  # noqa: S608
                f" (SELECT max(id) FROM {seq_table}))"
            )
        # The deferred foreign keys are checked now (an index can't be built with checks pending).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        timings["vectors_s"] = time.perf_counter() - step
        step = time.perf_counter()
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        timings["indexes_s"] = time.perf_counter() - step
    step = time.perf_counter()
    with connection.cursor() as cursor:
        for vacuumed in (table, "casebank_materialversion", through_subjects, through_authors):
            cursor.execute(f"VACUUM ANALYZE {vacuumed}")
    timings["vacuum_s"] = time.perf_counter() - step
    return timings


def seed(materials: int) -> dict[str, Any]:
    """The district (centre + one school), people, subjects and ``materials`` published materials."""
    from django.db import connection
    from django_tenants.utils import tenant_context
    from knox.models import AuthToken

    from accounts.models import Membership, Role, User
    from casebank.models import SearchTerm
    from tenants.models import Subject
    from tenants.services import organisation_create

    centre, _ = organisation_create(kind="centre", name="Центр", short_name="ЦРО", subdomain="centre")
    schools = [
        organisation_create(
            kind="school", name=f"Школа № {n}", short_name=f"Школа {n}", subdomain=f"school{n}", centre=centre
        )[0]
        for n in (1, 2, 3)
    ]
    authors = User.objects.bulk_create(
        [
            User(email=f"author{i}@school.bench", last_name="Авторов", first_name=f"Автор{i}")
            for i in range(50)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=a, organisation=schools[i % 3], role=Role.TEACHER) for i, a in enumerate(authors)]
    )
    reader = User.objects.create(email="reader@school.bench", last_name="Читателев", first_name="Иван")
    Membership.objects.create(user=reader, organisation=schools[1], role=Role.TEACHER)
    methodologist = User.objects.create(
        email="method@centre.bench", last_name="Методистова", first_name="Анна"
    )
    Membership.objects.create(user=methodologist, organisation=centre, role=Role.METHODOLOGIST)
    token = AuthToken.objects.create(user=reader)[1]  # knox keeps only a digest: the key is now
    subjects = {
        name: Subject.objects.create(name=name, code=f"s{i}") for i, (name, _g, _t) in enumerate(SUBJECTS)
    }

    maker = TextMaker(vocabulary())
    started = time.perf_counter()
    with tenant_context(centre):
        timings = load_materials(
            materials, maker=maker, schools=schools, authors=authors, methodologist=methodologist,
            subjects={name: s.pk for name, s in subjects.items()},
        )  # fmt: skip
        SearchTerm.objects.bulk_create(
            [SearchTerm(word=w) for w in maker.words if len(w) <= 60], ignore_conflicts=True, batch_size=5000
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE casebank_searchterm")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('casebank_material'))")
            size = cursor.fetchone()[0]
    return {
        "centre": centre, "schools": schools, "token": token, "subjects": subjects, "authors": authors,
        "methodologist": methodologist, **timings,
        "total_s": time.perf_counter() - started, "size": size, "words": len(maker.words),
    }  # fmt: skip


def world_of(db_name: str) -> dict[str, Any]:
    """The world of a database seeded by an earlier run kept with ``--keep-db``."""
    from knox.models import AuthToken

    from accounts.models import User
    from tenants.models import Organisation, Subject

    return {
        "centre": Organisation.objects.get(schema_name="centre"),
        "schools": list(Organisation.objects.filter(kind="school").order_by("schema_name")),
        # knox stores a digest only: a kept database gets a fresh token.
        "token": AuthToken.objects.create(user=User.objects.get(email="reader@school.bench"))[1],
        "subjects": {s.name: s for s in Subject.objects.all()},
        "authors": list(User.objects.filter(email__startswith="author").order_by("pk")),
        "methodologist": User.objects.get(email="method@centre.bench"),
    }


def published_count() -> int:
    from django_tenants.utils import schema_context

    from casebank.models import Material

    with schema_context("centre"):
        return Material.objects.filter(status="published").count()
