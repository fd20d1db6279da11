import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .test_api import CENTRE, book, slot_in, in_days
from .factories import teacher_in

pytestmark = pytest.mark.django_db


def test_probe(district):
    teacher = teacher_in(district.school_a)
    token = Token.objects.create(user=teacher)
    client = APIClient(HTTP_HOST=CENTRE, HTTP_AUTHORIZATION=f"Token {token.key}")
    s0 = slot_in(district.centre, starts_at=in_days(2))
    assert book(client, s0).status_code == 201
    slot = slot_in(district.centre)
    with CaptureQueriesContext(connection) as c:
        r = book(client, slot)
    assert r.status_code == 201
    with open("/tmp/p1/queries.txt", "w") as f:
        for q in c.captured_queries:
            f.write(q["sql"][:400] + "\n")
