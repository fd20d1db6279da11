"""Benchmark 5: Russian full-text search in a district bank of 100,000 case materials.

Seeds the centre's bank (its own ``bench_*`` database) with realistic Russian
materials: sentences built from the words of the project's source documents
(/work/shared/seeds/*.txt) plus subject and topic vocabulary, drawn with a Zipf
distribution so that some words are everywhere and many are rare.  Rows go in
with ``bulk_create`` as drafts; ONE ``UPDATE`` then publishes them and computes both
search vectors with ``casebank.services.search_vectors()``, the expressions the services use.

Then, for a fixed set of queries with and without filters, measures in the same
run and alternating per query:

* end to end: ``GET /api/casebank/search/`` against ONE uvicorn process
  (``tutornet.asgi``) on loopback, authenticated with an API token of a school
  teacher reading the district bank on the centre's host (sequential requests);
* the raw SQL full-text query: the ranked first page (``@@`` + ``ts_rank`` +
  filters, ``LIMIT 20``) run through psycopg in this process, twice: the endpoint's
  own query (rank on the compact ``rank_vector``, total with the page) and the plain
  one (rank on the full ``search_vector``, no count).

Also the time to publish one material (``casebank.services.material_publish``).

Run from the repository root:  .venv/bin/python bench/casebank_search.py
Targets: p95 <= 30 ms end to end and <= 2x the raw query.
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import re
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_casebank_{os.getpid()}"
CENTRE_HOST = "centre.localhost"
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
QUERIES = [
    ("кейсы по математике", {}),
    ("технологическая карта урока", {}),
    ("подготовка к ОГЭ", {}),
    ("тьюторское сопровождение педагога", {}),
    ("рабочая программа", {"kind": "work_program"}),
    ("уравнения", {"subject": "Математика", "grade": 9}),
    ("сочинение", {"subject": "Русский язык", "sort": "rating"}),
    ("мастер-класс рефлексия", {"sort": "newest"}),
    ("оптика", {"origin": True}),
    ("тригонометрия неравенства логарифмы", {"grade": 11}),
]
PER_PAGE = 20


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
    from rest_framework.authtoken.models import Token

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
    token = Token.objects.create(user=reader).key
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
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from tenants.models import Organisation, Subject

    return {
        "centre": Organisation.objects.get(schema_name="centre"),
        "schools": list(Organisation.objects.filter(kind="school").order_by("schema_name")),
        "token": Token.objects.get(user__email="reader@school.bench").key,
        "subjects": {s.name: s for s in Subject.objects.all()},
        "authors": list(User.objects.filter(email__startswith="author").order_by("pk")),
        "methodologist": User.objects.get(email="method@centre.bench"),
    }


def published_count() -> int:
    from django_tenants.utils import schema_context

    from casebank.models import Material

    with schema_context("centre"):
        return Material.objects.filter(status="published").count()


# --- measuring ---------------------------------------------------------------------------------


def api_params(query: str, filters: dict[str, Any], world: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"q": query, "page_size": PER_PAGE}
    for name, value in filters.items():
        if name == "subject":
            params["subject"] = world["subjects"][value].pk
        elif name == "origin":
            params["origin"] = world["schools"][0].pk
        else:
            params[name] = value
    return params


def plain_sql(params: dict[str, Any]) -> tuple[str, list[Any]]:
    """The physical reference: the textbook ranked first page (``@@``, ``ts_rank`` on the full
    ``search_vector``, the same filters and order, ``LIMIT 20``, no count)."""
    where = ["m.status = 'published'", "m.search_vector @@ q.query"]
    args: list[Any] = [params["q"]]
    if "subject" in params:
        where.append(
            "EXISTS (SELECT 1 FROM casebank_material_subjects s WHERE s.material_id = m.id"
            " AND s.subject_id = %s)"
        )
        args.append(params["subject"])
    if "grade" in params:
        where.append("m.grades @> ARRAY[%s]::smallint[]")
        args.append(params["grade"])
    if "kind" in params:
        where.append("m.kind = %s")
        args.append(params["kind"])
    if "origin" in params:
        where.append("m.origin_organisation_id = %s")
        args.append(params["origin"])
    order = {
        "rating": "rating_average DESC, rating_count DESC, published_at DESC, id DESC",
        "newest": "published_at DESC, id DESC",
    }.get(params.get("sort", ""), "rank DESC, published_at DESC, id DESC")
    sql = (
        "SELECT m.id, ts_rank(m.search_vector, q.query) AS rank"  # noqa: S608 (constants of this file)
        " FROM casebank_material m, websearch_to_tsquery('russian'::regconfig, %s) AS q(query)"
        f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {PER_PAGE}"
    )
    return sql, args


def exact_sql(params: dict[str, Any]) -> tuple[str, list[Any]]:
    """Today's full ranking, by definition: every match ranked (``ts_rank`` on ``rank_vector``,
    then newest), the first 20 (the reference for the overlap of the endpoint's first page)."""
    sql, args = plain_sql(params)
    return sql.replace("ts_rank(m.search_vector, q.query)", "ts_rank(m.rank_vector, q.query)"), args


def endpoints_sql(params: dict[str, Any], world: dict[str, Any]) -> tuple[list[str], str, list[int], Any]:
    """The statements the endpoint's selector sends for the search itself, as it sends them
    (Django binds parameters on the client: the captured text is what reaches PostgreSQL): the
    bounded count and the page statement. Also the plan it chose, the page's ids and the total."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from casebank import selectors

    reader = User.objects.get(email="reader@school.bench")
    arguments = {
        "query": params["q"], "subject": params.get("subject"), "grade": params.get("grade"),
        "kind": params.get("kind"), "origin": params.get("origin"), "sort": params.get("sort", "relevance"),
        "per_page": PER_PAGE,
    }  # fmt: skip
    with tenant_context(world["centre"]):
        selectors.materials_search(user=reader, **arguments)  # the person's access, cached
        with CaptureQueriesContext(connection) as captured:
            page = selectors.materials_search(user=reader, **arguments)
    statements = [q["sql"] for q in captured.captured_queries if "casebank_material" in q["sql"]]
    total = (page.total, page.total_is_lower_bound)
    return statements, page.plan, [hit.material.pk for hit in page.hits], total


def measure(port: int, world: dict[str, Any], repeats: int) -> list[dict[str, Any]]:
    import httpx
    import psycopg

    headers = {"Authorization": f"Token {world['token']}", "Host": CENTRE_HOST}
    url = f"http://127.0.0.1:{port}/api/casebank/search/"
    results = []
    with (
        httpx.Client(headers=headers, timeout=30) as client,
        psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn,
    ):
        conn.execute("SET search_path = centre, public")
        for query, filters in QUERIES:
            params = api_params(query, filters, world)
            statements, plan, first_page, (count, more) = endpoints_sql(params, world)
            plain, plain_args = plain_sql(params)
            exact, exact_args = exact_sql(params)
            reference = [row[0] for row in conn.execute(exact, exact_args).fetchall()]
            overlap = len(set(first_page) & set(reference)) / len(reference) if reference else 1.0

            def own(statements: list[str] = statements) -> None:
                for statement in statements:
                    conn.execute(statement).fetchall()

            for _ in range(3):  # warm-up
                response = client.get(url, params=params)
                assert response.status_code == 200, response.text
                own()
                conn.execute(plain, plain_args).fetchall()
            e2e, raw, plain_ms = [], [], []
            body = response.json()
            shown = f"> {body['count']}" if body["count_is_lower_bound"] else str(body["count"])
            assert [hit["material"]["id"] for hit in body["results"]] == first_page, query
            for _ in range(repeats):
                started = time.perf_counter()
                response = client.get(url, params=params)
                e2e.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                own()
                raw.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                conn.execute(plain, plain_args).fetchall()
                plain_ms.append((time.perf_counter() - started) * 1000)
            results.append({"query": query, "filters": filters, "params": params, "total": shown,
                            "plan": plan, "overlap": overlap, "e2e": e2e, "raw": raw, "plain": plain_ms,
                            "statements": statements, "plain_sql": (plain, plain_args)})  # fmt: skip
    return results


def explain(statements: list[str]) -> str:
    import psycopg

    plans = []
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("SET search_path = centre, public")
        for statement in statements:
            rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement).fetchall()
            plans.append("\n".join(r[0] for r in rows))
    return "\n\n".join(plans)


def publish_times(world: dict[str, Any], n: int) -> list[float]:
    """Milliseconds of ``material_publish`` for ``n`` materials submitted from a school."""
    from django_tenants.utils import tenant_context

    from casebank import services

    school, author = world["schools"][0], world["authors"][0]
    timings = []
    for i in range(n):
        with tenant_context(school):
            own = services.material_create(
                title=f"Кейс для публикации {i}: задачи по математике", actor=author,
                abstract="Подборка задач с решениями.", body="<p>Текст кейса про дроби и уравнения.</p>",
                topics=["дроби"], grades=[5],
            )  # fmt: skip
            copy = services.material_submit(material=own, actor=author)
        with tenant_context(world["centre"]):
            started = time.perf_counter()
            services.material_publish(material=copy, actor=world["methodologist"])
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--materials", type=int, default=100_000, help="materials to seed (default 100000)")
    parser.add_argument("--repeats", type=int, default=30, help="measured requests per query (default 30)")
    parser.add_argument(
        "--no-publish", action="store_true", help="skip timing material_publish (leaves the bank unchanged)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest raw query"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    parser.add_argument(
        "--db", metavar="NAME", help="name of the database to seed (bench_*; implies --keep-db)"
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (and keep) the database, measure nothing"
    )
    parser.add_argument(
        "--reuse-db", metavar="NAME", help="measure a database kept by an earlier run (never dropped)"
    )
    args = parser.parse_args()

    db = args.reuse_db or args.db or DB
    args.keep_db = args.keep_db or bool(args.reuse_db or args.db or args.seed_only)
    if not args.reuse_db:
        common.database_create(db)
    processes = []
    try:
        env = common.django_setup(db)
        common.flush_redis()
        if args.reuse_db:
            world = world_of(db)
        else:
            common.migrate_shared()
            world = seed(args.materials)
            print(
                f"seeded {args.materials} materials ({world['words']} distinct words) "
                f"in {world['total_s']:.0f} s: "
                f"rows generated and copied {world['copy_s']:.0f} s, materials with both search vectors "
                f"(one INSERT ... SELECT) {world['vectors_s']:.0f} s, indexes {world['indexes_s']:.0f} s, "
                f"VACUUM ANALYZE {world['vacuum_s']:.0f} s; "
                f"table with indexes {world['size']}",
                flush=True,
            )
            if args.seed_only:
                print(f"kept database {db}; measure it with --reuse-db {db}")
                return 0
        args.materials = published_count()
        load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        server, port = common.start_uvicorn("tutornet.asgi:application", env)
        processes.append(server)
        results = measure(port, world, args.repeats)
        publishing = [] if args.no_publish else publish_times(world, 5)
        slowest = max(results, key=lambda r: common.percentile(r["raw"], 95))
        plan = explain(slowest["statements"]) if args.explain else ""
        slowest_e2e = max(results, key=lambda r: common.percentile(r["e2e"], 95))
        plan_e2e = explain(slowest_e2e["statements"]) if args.explain and slowest_e2e is not slowest else ""
    finally:
        common.stop(processes)
        from django.db import connections

        connections.close_all()
        common.flush_redis()
        if not args.keep_db:
            common.database_drop(db)

    print(f"\nCase-bank search — {common.machine()} (load average before the run {load_before})")
    print(
        f"{args.materials} published materials in the district bank; one uvicorn process; sequential "
        f"authenticated GET /api/casebank/search/ on {CENTRE_HOST}; "
        f"{args.repeats} measured requests per query\n"
    )
    rows = []
    all_e2e, all_raw, all_plain = [], [], []
    for r in results:
        label = r["query"] + ("" if not r["filters"] else " + " + ", ".join(f"{k}" for k in r["filters"]))
        all_e2e += r["e2e"]
        all_raw += r["raw"]
        all_plain += r["plain"]
        rows.append((
            label, r["total"], r["plan"], f"{r['overlap']:.2f}",
            common.percentile(r["e2e"], 50), common.percentile(r["e2e"], 95),
            common.percentile(r["raw"], 50), common.percentile(r["raw"], 95),
            common.percentile(r["plain"], 50), common.percentile(r["plain"], 95),
        ))  # fmt: skip
    columns = ["query + filters", "matches", "plan", "top-20 overlap"] + [
        f"{m} {p}" for m in ("e2e", "raw", "plain") for p in ("p50", "p95")
    ]
    print(common.table("Per query (ms)", rows, columns))
    e2e95, raw95, plain95 = (common.percentile(x, 95) for x in (all_e2e, all_raw, all_plain))
    print(
        common.table(
            "\nAll queries (ms)",
            [
                ("end to end (GET /api/casebank/search/)", common.percentile(all_e2e, 50), e2e95),
                ("raw SQL: the endpoint's own statements", common.percentile(all_raw, 50), raw95),
                ("plain SQL: ranked on search_vector, no count", common.percentile(all_plain, 50), plain95),
            ],
            ["measure", "p50", "p95"],
        )  # fmt: skip
    )
    ratio = e2e95 / raw95 if raw95 else float("inf")
    target = 50 if args.materials > 500_000 else 30
    overlap = min(r["overlap"] for r in results)
    ok = e2e95 <= target and ratio <= 2 and overlap >= 0.9
    print(
        f"\np95 end to end {e2e95:.1f} ms (target <= {target}: {'met' if e2e95 <= target else 'NOT met'}); "
        f"lowest top-20 overlap with the exact ranking {overlap:.2f} (target >= 0.9); "
        f"ratio to the endpoint's own raw query p95 {ratio:.2f} "
        f"(target <= 2: {'met' if ratio <= 2 else 'NOT met'}); "
        f"ratio to the plain query p95 {e2e95 / plain95 if plain95 else float('inf'):.2f}"
    )
    if publishing:
        print(
            f"publish one material: median {common.percentile(publishing, 50):.1f} ms, "
            f"max {max(publishing):.1f} ms ({len(publishing)} publications)"
        )
    if plan:
        print(f"\nEXPLAIN ANALYZE of the slowest raw query ({slowest['query']}):\n{plan}")
    if plan_e2e:
        print(f"\nEXPLAIN ANALYZE of the raw query of the slowest one end to end ({slowest_e2e['query']}):")
        print(plan_e2e)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
