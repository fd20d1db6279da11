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


def seed(materials: int, batch: int = 5000) -> dict[str, Any]:
    """The district (centre + one school), people, subjects and ``materials`` published materials."""
    from django.db import connection, transaction
    from django.db.models import OuterRef, Subquery
    from django.utils import timezone
    from django_tenants.utils import tenant_context
    from knox.models import AuthToken

    from accounts.models import Membership, Role, User
    from casebank.models import Material, MaterialVersion, SearchTerm
    from casebank.services import search_vectors
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
    token = AuthToken.objects.create(user=reader)[1]
    subjects = {
        name: Subject.objects.create(name=name, code=f"s{i}") for i, (name, _g, _t) in enumerate(SUBJECTS)
    }

    maker = TextMaker(vocabulary())
    rnd = maker.random
    now = timezone.now()
    kinds = list(KIND_TITLES)
    started = time.perf_counter()
    with tenant_context(centre):
        for start in range(0, materials, batch):
            rows, versions, subject_rows, meta = [], [], [], []
            for i in range(start, min(start + batch, materials)):
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
                school = schools[i % 3]
                fields = {
                    "title": title, "kind": kind, "licence": rnd.choice(["cc-by", "cc-by-sa", "cc-by-nc"]),
                    "abstract": abstract, "body": f"<p>{body_text}</p>", "body_text": body_text,
                    "grades": grades, "topics": chosen_topics,
                }  # fmt: skip
                count = rnd.choice([0, 0, 1, 2, 3, 5, 8])
                total = sum(rnd.randint(1, 5) for _ in range(count))
                rows.append(
                    Material(
                        **fields,
                        created_by=authors[i % 50],
                        status="draft",
                        origin_organisation=school,
                        origin_material_id=10_000_000 + i,
                        rating_count=count,
                        rating_sum=total,
                        rating_average=round(total / count, 2) if count else 0,
                        download_count=rnd.randint(0, 300),
                    )  # fmt: skip
                )
                meta.append((fields, subjects[subject_name].pk, now - timedelta(minutes=i)))
            with transaction.atomic():
                created = Material.objects.bulk_create(rows)
                for material, (fields, subject_id, published) in zip(created, meta, strict=True):
                    versions.append(
                        MaterialVersion(
                            material=material,
                            number=1,
                            status="published",
                            created_by_id=material.created_by_id,
                            submitted_at=published,
                            decided_at=published,
                            decided_by=methodologist,
                            subject_ids=[subject_id],
                            **fields,
                        )  # fmt: skip
                    )
                    subject_rows.append(
                        Material.subjects.through(material_id=material.pk, subject_id=subject_id)
                    )
                MaterialVersion.objects.bulk_create(versions)
                Material.subjects.through.objects.bulk_create(subject_rows)
                Material.authors.through.objects.bulk_create(
                    [Material.authors.through(material_id=m.pk, user_id=m.created_by_id) for m in created]
                )
        inserted = time.perf_counter() - started
        vector_started = time.perf_counter()
        # ONE statement publishes everything (the version readers see, and the date) and computes
        # both search vectors with the services' own expressions: each row is rewritten once.
        versions_of = MaterialVersion.objects.filter(material_id=OuterRef("pk"), number=1)
        Material.objects.update(
            status="published",
            current_version_id=Subquery(versions_of.values("pk")[:1]),
            published_at=Subquery(versions_of.values("decided_at")[:1]),
            **search_vectors(),
        )
        vectors = time.perf_counter() - vector_started
        SearchTerm.objects.bulk_create(
            [SearchTerm(word=w) for w in maker.words if len(w) <= 60], ignore_conflicts=True, batch_size=5000
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE casebank_material")
            cursor.execute("ANALYZE casebank_searchterm")
            cursor.execute("ANALYZE casebank_material_subjects")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('casebank_material'))")
            size = cursor.fetchone()[0]
    return {
        "centre": centre, "schools": schools, "token": token, "subjects": subjects, "authors": authors,
        "methodologist": methodologist, "insert_s": inserted, "vector_s": vectors,
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
        # Tokens are stored hashed: a kept database gets a new one for the reader.
        "token": AuthToken.objects.create(user=User.objects.get(email="reader@school.bench"))[1],
        "subjects": {s.name: s for s in Subject.objects.all()},
        "authors": list(User.objects.filter(email__startswith="author").order_by("pk")),
        "methodologist": User.objects.get(email="method@centre.bench"),
    }


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


def raw_sql(params: dict[str, Any], *, endpoints_own: bool) -> tuple[str, list[Any]]:
    """The ranked first page of the full-text query with the same filters and order.

    ``endpoints_own=False``: the plain query, ranked on the full ``search_vector``, without a
    count (the definition of the first measurements in bench/README.md).
    ``endpoints_own=True``: the statement the selector runs (``casebank.selectors._full_text_page``):
    the matches with the filters on the material's own columns as a MATERIALIZED CTE (GIN match
    on the full vector, rank on the compact ``rank_vector``), the subject checked on them, and
    the total with the page (a ``count(*)`` of the CTE in the page's select list).
    """
    where = ["m.status = 'published'", "m.search_vector @@ q.query"]
    args: list[Any] = [params["q"]]
    subject = (
        "EXISTS (SELECT 1 FROM casebank_material_subjects s WHERE s.material_id = {id} AND s.subject_id = %s)"
    )
    if "subject" in params and not endpoints_own:
        where.append(subject.format(id="m.id"))
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
    # The fragments are constants of this file; values are parameters.
    if not endpoints_own:
        sql = (
            "SELECT m.id, ts_rank(m.search_vector, q.query) AS rank"  # noqa: S608
            " FROM casebank_material m, websearch_to_tsquery('russian'::regconfig, %s) AS q(query)"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {PER_PAGE}"
        )
        return sql, args
    outer = ""
    if "subject" in params:
        outer = " WHERE " + subject.format(id="matches.id")
        args += [params["subject"], params["subject"]]
    sql = (
        "WITH matches AS MATERIALIZED (SELECT m.id, ts_rank(m.rank_vector, q.query) AS rank,"  # noqa: S608
        " m.published_at, m.rating_average, m.rating_count"
        " FROM casebank_material m, websearch_to_tsquery('russian'::regconfig, %s) AS q(query)"
        f" WHERE {' AND '.join(where)})"
        f" SELECT id, rank, (SELECT count(*) FROM matches{outer}) FROM matches{outer}"
        f" ORDER BY {order} LIMIT {PER_PAGE}"
    )
    return sql, args


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
            own_sql, own_args = raw_sql(params, endpoints_own=True)
            plain_sql, plain_args = raw_sql(params, endpoints_own=False)
            for _ in range(3):  # warm-up
                response = client.get(url, params=params)
                assert response.status_code == 200, response.text
                conn.execute(own_sql, own_args).fetchall()
                conn.execute(plain_sql, plain_args).fetchall()
            e2e, raw, plain = [], [], []
            total = response.json()["count"]
            for _ in range(repeats):
                started = time.perf_counter()
                response = client.get(url, params=params)
                e2e.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                conn.execute(own_sql, own_args).fetchall()
                raw.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                conn.execute(plain_sql, plain_args).fetchall()
                plain.append((time.perf_counter() - started) * 1000)
            results.append({"query": query, "filters": filters, "params": params, "total": total,
                            "e2e": e2e, "raw": raw, "plain": plain, "sql": (own_sql, own_args),
                            "plain_sql": (plain_sql, plain_args)})  # fmt: skip
    return results


def explain(sql: str, args: list[Any]) -> str:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("SET search_path = centre, public")
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, args).fetchall()
    return "\n".join(r[0] for r in rows)


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
    parser.add_argument("--repeats", type=int, default=40, help="measured requests per query (default 40)")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the slowest raw query"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database")
    parser.add_argument(
        "--reuse-db", metavar="NAME", help="measure a database kept by an earlier --keep-db run"
    )
    args = parser.parse_args()

    db = args.reuse_db or DB
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
                f"rows {world['insert_s']:.0f} s, publication and search vectors (one UPDATE) "
                f"{world['vector_s']:.0f} s; "
                f"table with indexes {world['size']}",
                flush=True,
            )
        server, port = common.start_uvicorn("tutornet.asgi:application", env)
        processes.append(server)
        results = measure(port, world, args.repeats)
        publishing = publish_times(world, 5)
        slowest = max(results, key=lambda r: common.percentile(r["raw"], 95))
        plan = explain(*slowest["sql"]) if args.explain else ""
        slowest_e2e = max(results, key=lambda r: common.percentile(r["e2e"], 95))
        plan_e2e = explain(*slowest_e2e["sql"]) if args.explain and slowest_e2e is not slowest else ""
    finally:
        common.stop(processes)
        from django.db import connections

        connections.close_all()
        common.flush_redis()
        if not args.keep_db:
            common.database_drop(db)

    print(f"\nCase-bank search — {common.machine()}")
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
            label, r["total"], common.percentile(r["e2e"], 50), common.percentile(r["e2e"], 95),
            common.percentile(r["raw"], 50), common.percentile(r["raw"], 95),
            common.percentile(r["plain"], 50), common.percentile(r["plain"], 95),
        ))  # fmt: skip
    columns = ["query + filters", "matches"] + [
        f"{m} {p}" for m in ("e2e", "raw", "plain") for p in ("p50", "p95")
    ]
    print(common.table("Per query (ms)", rows, columns))
    e2e95, raw95, plain95 = (common.percentile(x, 95) for x in (all_e2e, all_raw, all_plain))
    print(
        common.table(
            "\nAll queries (ms)",
            [
                ("end to end (GET /api/casebank/search/)", common.percentile(all_e2e, 50), e2e95),
                ("raw SQL: the endpoint's own query", common.percentile(all_raw, 50), raw95),
                ("plain SQL: ranked on search_vector, no count", common.percentile(all_plain, 50), plain95),
            ],
            ["measure", "p50", "p95"],
        )  # fmt: skip
    )
    ratio = e2e95 / raw95 if raw95 else float("inf")
    ok = e2e95 <= 30 and ratio <= 2
    print(
        f"\np95 end to end {e2e95:.1f} ms (target <= 30: {'met' if e2e95 <= 30 else 'NOT met'}); "
        f"ratio to the endpoint's own raw query p95 {ratio:.2f} "
        f"(target <= 2: {'met' if ratio <= 2 else 'NOT met'}); "
        f"ratio to the plain query p95 {e2e95 / plain95 if plain95 else float('inf'):.2f}"
    )
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
