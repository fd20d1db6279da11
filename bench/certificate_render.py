"""Benchmark: 500 participation certificates issued at once and rendered as PDFs by the Celery worker.

Own bench database with a centre and 500 people.  ``certificates_issue_many``
writes the 500 certificates in one INSERT and, on commit, queues the render
tasks (``tutorials.certificates_render``, ``RENDER_CHUNK`` certificates each)
into Redis; one real Celery worker (``python -m celery -A tutornet worker``,
prefork, concurrency = the machine's cores unless ``--concurrency``) renders
each task's certificates with fpdf2 as one document, splits it into one PDF per
certificate with pypdf and stores them in the tenant's storage.  The clock runs
from the commit to the moment the database shows all 500 PDFs stored.  One PDF
is then opened with pypdf and its text checked.

Run from the repository root:  .venv/bin/python bench/certificate_render.py
Target: 500 PDFs in <= 30 s through the worker.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402

DB = f"bench_certificates_{os.getpid()}"


def wait_for_workers(expected: int, timeout: float = 60.0) -> None:
    from tutornet.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= expected:
            return
    raise RuntimeError("the Celery worker did not answer in time")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    common.database_create(DB)
    processes = []
    media = Path(tempfile.mkdtemp(prefix="bench-certificates-"))  # the PDFs are stored under it
    try:
        env = common.django_setup(DB, TUTORNET_VAR_DIR=str(media))
        common.flush_redis()
        common.migrate_shared()
        from django.db import transaction
        from django_tenants.utils import tenant_context
        from pypdf import PdfReader

        from accounts.models import User
        from tenants.services import organisation_create
        from tutorials.certificates import CertificateText, certificates_issue_many
        from tutorials.models import Certificate

        centre, _ = organisation_create(
            kind="centre", name="Центр развития образования", short_name="ЦРО", subdomain="centre"
        )
        people = User.objects.bulk_create(
            [
                User(
                    email=f"teacher{i}@bench.test",
                    last_name="Иванова",
                    first_name=f"Анна{i}",
                    patronymic="Петровна",
                )
                for i in range(args.count)
            ]
        )
        processes.append(
            common.start(
                [
                    "-m", "celery", "-A", "tutornet", "worker", "-l", "warning", "-P", "prefork",
                    "-c", str(args.concurrency), "-n", "bench-certificates@%h",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                ],
                env,
            )
        )  # fmt: skip
        wait_for_workers(1)
        text = {
            "title": "Задания с развёрнутым ответом в ОГЭ по математике",
            "kind_label": "семинаре",
            "starts_on": date(2026, 11, 12),
            "ends_on": date(2026, 11, 12),
            "hours": Decimal("2"),
            "organiser": "Морозов Андрей Викторович",
            "organisation_name": centre.name,
        }
        with tenant_context(centre):
            with transaction.atomic():
                ids = certificates_issue_many(
                    source="tutorial",
                    source_id=1,
                    items=[(p.pk, CertificateText(holder_name=p.get_full_name(), **text)) for p in people],
                )
            committed_at = time.perf_counter()
            deadline = committed_at + args.timeout
            done = 0
            while time.perf_counter() < deadline:
                done = Certificate.objects.filter(pk__in=ids).exclude(pdf="").count()
                if done >= args.count:
                    break
                time.sleep(0.2)
            seconds = time.perf_counter() - committed_at
            sample = Certificate.objects.filter(pk__in=ids).exclude(pdf="").order_by("?").first()
            sample_ok = False
            if sample is not None:
                with sample.pdf.open("rb") as stored:
                    content = stored.read()
                page_text = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
                sample_ok = sample.holder_name in page_text and str(sample.token) in page_text.replace(
                    " ", ""
                )
    finally:
        common.stop(processes)
    ok = done >= args.count and seconds <= 30 and sample_ok
    print(
        f"\nCertificates: {done}/{args.count} PDFs rendered and stored by 1 worker "
        f"(prefork, concurrency {args.concurrency}) in {seconds:.1f} s = {done / seconds:.1f} PDF/s; "
        f"a random PDF opened with pypdf has the right name and number: {sample_ok}"
    )
    print(f"  {common.machine()}")
    print(f"  verdict (<= 30 s): {'PASS' if ok else 'FAIL'}")
    common.database_drop(DB)
    import shutil

    shutil.rmtree(media, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
