"""/healthz: database and Redis status, checked for real."""

from __future__ import annotations

import socket

import pytest
from django.test import Client, override_settings

from tests.conftest import District

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["localhost", "school1.localhost", "centre.localhost"])
def test_healthz_reports_database_and_redis_ok(district: District, host: str) -> None:
    response = Client(HTTP_HOST=host).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: connecting is refused


def test_healthz_is_503_naming_redis_when_redis_refuses_connections(district: District) -> None:
    port = _closed_port()
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{port}/0"):
        response = Client(HTTP_HOST="school1.localhost").get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error")
    assert body["status"] == "error"
