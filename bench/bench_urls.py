"""The organisation site's URLs plus one trivial page for the routing benchmark."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from tutornet.urls_tenant import urlpatterns as tenant_urlpatterns


def ping(request: HttpRequest) -> HttpResponse:
    """A trivial page that still reads one row from the organisation's own schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_content_type")
        (count,) = cursor.fetchone()
    return HttpResponse(f"{request.tenant.schema_name} {count}\n", content_type="text/plain")  # type: ignore[attr-defined]


urlpatterns = [path("bench/ping", ping, name="bench-ping"), *tenant_urlpatterns]
