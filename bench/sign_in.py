"""Where a sign-in's server time goes, and what Argon2 changes.

One command: ``.venv/bin/python bench/sign_in.py`` (a throwaway ``bench_sign_in`` database).

1. The password hash alone: ``check_password`` with Django 5.2's PBKDF2-SHA256
   (1,000,000 iterations), with Django's Argon2id defaults (time_cost 2, memory 100 MiB,
   parallelism 8), with RFC 9106's second option (time_cost 3, 64 MiB, parallelism 4) and with
   OWASP's (time_cost 2, 19 MiB, parallelism 1), which ``tutornet.hashers`` uses.
2. The whole ``POST /accounts/login/`` (form, axes, session, redirect) through Django's test
   client, once per hasher: the difference is the hash.

Each figure is the median of ``--rounds`` runs, the hashers alternating within a round, so the
ratios are measured in the same run on the same (shared) machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402

DB = "bench_sign_in"
PASSWORD = "длинный-пароль-2026"
HASHERS = {
    "pbkdf2 (1,000,000 × SHA-256)": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "argon2id Django default (t=2, 100 MiB, p=8)": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "argon2id RFC 9106 option 2 (t=3, 64 MiB, p=4)": "bench.sign_in.Argon2idRFC9106",
    "argon2id OWASP (t=2, 19 MiB, p=1): tutornet's": "tutornet.hashers.Argon2idHasher",
}


class _RFC9106Params:
    time_cost = 3
    memory_cost = 65536  # KiB
    parallelism = 4


def __getattr__(name: str) -> Any:
    # Built lazily: Django's hashers import settings, which only exist after django_setup().
    if name == "Argon2idRFC9106":
        from django.contrib.auth.hashers import Argon2PasswordHasher

        return type("Argon2idRFC9106", (_RFC9106Params, Argon2PasswordHasher), {})
    raise AttributeError(name)


def _hash_times(rounds: int) -> dict[str, float]:
    from django.contrib.auth.hashers import check_password, make_password
    from django.test.utils import override_settings

    encoded = {name: make_password(PASSWORD, hasher=_hasher(path)) for name, path in HASHERS.items()}
    times: dict[str, list[float]] = {name: [] for name in HASHERS}
    for _ in range(rounds):
        for name, path in HASHERS.items():
            with override_settings(PASSWORD_HASHERS=[path]):
                started = time.perf_counter()
                assert check_password(PASSWORD, encoded[name])
                times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def _hasher(path: str) -> Any:
    from django.utils.module_loading import import_string

    return import_string(path)()


def _login_times(rounds: int) -> dict[str, float]:
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User

    times: dict[str, list[float]] = {name: [] for name in HASHERS}
    users = {}
    for index, (name, path) in enumerate(HASHERS.items()):
        user, _ = User.objects.get_or_create(email=f"bench{index}@example.org")
        user.password = make_password(PASSWORD, hasher=_hasher(path))
        user.save(update_fields=["password"])
        users[name] = user
    for _ in range(rounds):
        for name, path in HASHERS.items():
            with override_settings(PASSWORD_HASHERS=[path]):
                client = Client(HTTP_HOST="localhost")
                client.get("/accounts/login/")
                started = time.perf_counter()
                response = client.post(
                    "/accounts/login/", {"username": users[name].email, "password": PASSWORD}
                )
                times[name].append(time.perf_counter() - started)
                assert response.status_code == 302, response.status_code
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    common.database_create(DB)
    try:
        common.django_setup(DB, DEBUG="0")
        common.flush_redis()
        common.migrate_shared()
        hashes = _hash_times(args.rounds)
        logins = _login_times(args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        common.database_drop(DB)
    base_hash = hashes[next(iter(HASHERS))]
    base_login = logins[next(iter(HASHERS))]
    print(f"{'hasher':50} {'hash ms':>9} {'ratio':>6} {'sign-in POST ms':>16} {'ratio':>6} {'rest ms':>8}")
    for name in HASHERS:
        print(
            f"{name:50} {hashes[name] * 1000:9.1f} {hashes[name] / base_hash:6.2f}"
            f" {logins[name] * 1000:16.1f} {logins[name] / base_login:6.2f}"
            f" {(logins[name] - hashes[name]) * 1000:8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
