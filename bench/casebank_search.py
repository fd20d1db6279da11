"""Benchmark 5: Russian full-text search in a district bank of 100,000 (or 1,000,000) case materials.

Seeds the centre's bank (its own ``bench_*`` database) with realistic Russian materials
(``bench/casebank_seed.py``: COPY, then one INSERT computing both search vectors with the
services' expressions). ``--materials 1000000 --db NAME --seed-only`` keeps the database;
``--reuse-db NAME`` measures it again without seeding (and never drops it).

Then, for ten fixed queries with and without filters and sorts, measures in the same run and
alternating per request:

* end to end: ``GET /api/casebank/search/`` against ONE uvicorn process (``tutornet.asgi``) on
  loopback, authenticated with an API token of a school teacher reading the district bank on the
  centre's host (sequential requests);
* raw: the endpoint's own search statements, captured from the selector in this process
  (``CaptureQueriesContext``) and replayed through psycopg;
* plain: the textbook ranked first page (``@@``, ``ts_rank`` on the full ``search_vector``,
  the same filters and order, ``LIMIT 20``, no count): the physical reference.

Per query also the plan the selector chose and the overlap of its first page with the exact
ranking (computed by its definition). Also the time to publish one material
(``casebank.services.material_publish``; ``--no-publish`` skips it).

Run from the repository root:  .venv/bin/python bench/casebank_search.py
Targets: p95 <= 30 ms (100,000) or <= 50 ms (1,000,000) end to end, <= 2x the endpoint's own
statements, top-20 overlap >= 0.9.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.casebank_seed import published_count, seed, world_of  # noqa: E402

DB = f"bench_casebank_{os.getpid()}"
CENTRE_HOST = "centre.localhost"
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
    statements = [
        q["sql"] for q in captured.captured_queries
        if "casebank_material" in q["sql"] or "set_config(" in q["sql"]
    ]  # fmt: skip
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
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
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
        server, port = common.start_uvicorn("tutornet.asgi:application", env, port=args.port or None)
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
