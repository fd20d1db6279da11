"""Benchmark: a teacher's professional route as it grows — the route page, the portfolio
page, and the three documents (the portfolio as DOCX and PDF, the route as PDF).

Own bench database with a centre, a school, a tutor and three teachers whose routes (made
through the services, as people make them) hold 5, 25 and 100 plan items with two pieces of
evidence and one comment each.  The pages are requested in this process through the whole
middleware stack (``django.test.Client``: tenant routing by Host, session, CSP), not over
HTTP; each is requested ``--repeat`` times after one warm-up, and its SQL statements are
counted at the driver (``SET search_path`` included).  Then end to end: the same route pages
over HTTP from one uvicorn process (keep-alive, one request at a time, the tutor's session
cookie), next to ``/healthz`` in the same run (the server's fixed cost per request).  Each
document is rendered several times (median), then opened and read once.

Run from the repository root:  .venv/bin/python bench/routes_documents.py
Targets: the route page p95 <= 50 ms; the page's statement count the same at 5 and 100
items (the portfolio page's too).  The documents have no target in the issue; their growth
from 5 to 100 items is reported as a ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_routes_{os.getpid()}"
SIZES = (5, 25, 100)


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def http_times(port: int, path: str, cookie: str, repeat: int) -> list[float]:
    """``repeat`` GETs of ``path`` on one keep-alive connection, after one warm-up: ms each."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "centre.localhost", "Cookie": cookie}

    def get() -> None:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        assert answer.status == 200, (path, answer.status, body[:200])

    get()
    try:
        return timed(get, repeat)
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="also profile the largest route page (cProfile, top 30)"
    )
    args = parser.parse_args()
    common.database_create(DB)
    try:
        env = common.django_setup(DB, ALLOWED_HOSTS="centre.localhost")
        common.migrate_shared()
        from django.test import Client
        from django_tenants.utils import tenant_context
        from docx import Document
        from pypdf import PdfReader

        from accounts.models import Membership, Role, User
        from tenants.models import AcademicYear
        from tenants.services import organisation_create
        from tutorials.routes import comments, pdf, portfolio, selectors, services
        from tutorials.routes.models import Evidence

        centre, _ = organisation_create(
            kind="centre", name="Центр развития образования", short_name="ЦРО", subdomain="centre"
        )
        school, _ = organisation_create(
            kind="school", name="МБОУ «Школа № 1»", short_name="Школа № 1", subdomain="school1", centre=centre
        )
        year = AcademicYear.objects.create(
            name="2026/2027", starts_on="2026-09-01", ends_on="2027-08-31", is_current=True
        )

        def person(email: str, organisation: object, role: str) -> User:
            user = User.objects.create(
                email=email, last_name="Иванова", first_name="Анна", patronymic="Петровна"
            )
            Membership.objects.create(user=user, organisation=organisation, role=role)
            return user

        tutor = person("tutor@bench.test", centre, Role.TUTOR)
        routes = {}
        started = time.perf_counter()
        with tenant_context(centre):
            for size in SIZES:
                teacher = person(f"teacher{size}@bench.test", school, Role.TEACHER)
                route = services.route_create(actor=teacher, teacher=teacher, academic_year=year, tutor=tutor)
                for n in range(size):
                    route.refresh_from_db()
                    item = services.item_add(
                        actor=teacher,
                        route_id=route.pk,
                        version=route.version,
                        task=f"Задача {n + 1}: освоить приём работы с дробями",
                        deficit=f"1.{n % 9 + 1} Дроби",
                        expected_result="Открытый урок и технологическая карта",
                    )
                    for kind, title in ((Evidence.Kind.NOTE, "Конспект"), (Evidence.Kind.LINK, "Ссылка")):
                        services.evidence_add(
                            actor=teacher,
                            route_id=route.pk,
                            kind=kind,
                            title=f"{title} к задаче {n + 1}",
                            url="https://example.org/x" if kind == Evidence.Kind.LINK else "",
                            note="Что получилось и что нет",
                            item_id=item.pk,
                        )
                    comments.comment_add(actor=tutor, route_id=route.pk, text=f"Комментарий к задаче {n + 1}")
                routes[size] = route
        print(f"seeded {sum(SIZES)} items in {time.perf_counter() - started:.1f} s")

        client = Client(HTTP_HOST="centre.localhost")
        client.force_login(tutor, backend="django.contrib.auth.backends.ModelBackend")
        from django.conf import settings
        from django.db import connections

        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        connections.close_all()  # the server is another process; this one keeps no connection open
        server, port = common.start_uvicorn("tutornet.asgi:application", env)
        try:
            e2e = {"/healthz": http_times(port, "/healthz", cookie, args.repeat)}
            for size in SIZES:
                e2e[f"{size} items"] = http_times(port, f"/routes/{routes[size].pk}/", cookie, args.repeat)
        finally:
            common.stop([server])
        common.count_statements()
        results: dict[int, dict[str, float]] = {}
        for size in SIZES:
            route = routes[size]
            row: dict[str, float] = {}
            for name, path in (
                ("page", f"/routes/{route.pk}/"),
                ("portfolio", f"/routes/{route.pk}/portfolio/"),
            ):
                assert client.get(path).status_code == 200
                before = common.STATEMENTS["total"]
                client.get(path)
                statements = common.STATEMENTS["total"] - before
                times = timed(lambda path=path: client.get(path), args.repeat)
                row[f"{name}_p50"] = statistics.median(times)
                row[f"{name}_p95"] = common.percentile(times, 95)
                row[f"{name}_queries"] = statements
            with tenant_context(centre):
                loaded = selectors.route_page(route.pk)
                assert loaded is not None
                gathered = portfolio.portfolio_of(loaded)
                documents = {
                    "portfolio_docx": lambda g=gathered: portfolio.portfolio_docx(g),
                    "portfolio_pdf": lambda g=gathered: pdf.portfolio_pdf(g),
                    "route_pdf": lambda r=loaded: pdf.route_pdf(r),
                }
                for name, render in documents.items():
                    row[name] = statistics.median(timed(render, max(3, args.repeat // 6)))
                text = " ".join(
                    p.extract_text() for p in PdfReader(io.BytesIO(pdf.portfolio_pdf(gathered))).pages
                )
                assert f"Конспект к задаче {size}" in " ".join(text.split()), (
                    "the PDF lacks the last task's evidence"
                )
                docx = Document(io.BytesIO(portfolio.portfolio_docx(gathered)))
                assert any(f"Ссылка к задаче {size}" in p.text for p in docx.paragraphs)
            results[size] = row

        if args.profile:
            import cProfile
            import pstats

            path = f"/routes/{routes[SIZES[-1]].pk}/"
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)

        load = os.getloadavg()[0]
        print(f"\nload average at the end: {load:.1f} ({os.cpu_count()} cores); times in ms")
        print(
            "items | page p50 | page p95 | page SQL | portfolio p50 | portfolio p95 | portfolio SQL "
            "| portfolio DOCX | portfolio PDF | route PDF"
        )
        for size, r in results.items():
            print(
                f"{size:5} | {r['page_p50']:8.1f} | {r['page_p95']:8.1f} | {r['page_queries']:8.0f} "
                f"| {r['portfolio_p50']:13.1f} | {r['portfolio_p95']:13.1f} | {r['portfolio_queries']:13.0f} "
                f"| {r['portfolio_docx']:14.1f} | {r['portfolio_pdf']:13.1f} | {r['route_pdf']:9.1f}"
            )
        print("\nend to end over HTTP (one uvicorn process, one request at a time), ms")
        print("page          |   p50 |   p95")
        for name, times in e2e.items():
            print(f"{name:13} | {statistics.median(times):5.1f} | {common.percentile(times, 95):5.1f}")
        health = common.percentile(e2e["/healthz"], 95)
        biggest = common.percentile(e2e[f"{SIZES[-1]} items"], 95)
        print(f"ratio route page ({SIZES[-1]} items) / /healthz p95: {biggest / health:.2f}")
        small, big = results[SIZES[0]], results[SIZES[-1]]
        print(
            f"ratios {SIZES[-1]} / {SIZES[0]} items: page p50 {big['page_p50'] / small['page_p50']:.2f}, "
            f"portfolio PDF {big['portfolio_pdf'] / small['portfolio_pdf']:.2f}, "
            f"route PDF {big['route_pdf'] / small['route_pdf']:.2f}"
        )
        flat = all(
            results[s][f"{n}_queries"] == small[f"{n}_queries"] for s in SIZES for n in ("page", "portfolio")
        )
        fast = all(common.percentile(e2e[f"{size} items"], 95) <= 50 for size in SIZES)
        print(f"statement count flat: {flat}; route page p95 <= 50 ms end to end: {fast}")
        return 0 if flat and fast else 1
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            common.database_drop(DB)


if __name__ == "__main__":
    sys.exit(main())
