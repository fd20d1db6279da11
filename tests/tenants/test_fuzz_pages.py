"""No GET parameter, path number or form post makes an accounts or organisation page a 500
(issue 9, "no 500s"); a refused post says what is wrong.

The approach of ``tests/consultations/test_query_fuzz.py`` (hostile values per parameter)
extended to forms: every POST form the page itself shows is submitted with each of its
fields spoiled in turn (the other fields as the page filled them), plus the page's query
parameters and numbers in its path beyond PostgreSQL's integers.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Invitation, Role
from tests.conftest import District, client_for, member

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999"
# Fewer than tests/consultations/test_query_fuzz.py's HOSTILE: a form post costs more than a GET.
FORM_VALUES = ["", "x" * 5000, "\x00", BIG]
SELECT_VALUES = ["no-such-choice", BIG]
QUERY_VALUES = ["9999-12-31", BIG, "abc", "/\\evil.example", "%00"]
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.IGNORECASE)
ERRORS = ("errorlist", "alert", "invalid-feedback", 'role="alert"', "messages")
SCHOOL, CENTRE = "school1.localhost", "centre.localhost"


def attributes(text: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value) for name, value in ATTR.findall(text)}


SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.DOTALL | re.IGNORECASE)
OPTION = re.compile(r"<option\b([^>]*)>", re.IGNORECASE)


def chosen_option(form_body: str, name: str) -> str:
    """The value the page selected in the list ``name`` (else its first option)."""
    for select_attrs, options in SELECT.findall(form_body):
        if attributes(select_attrs).get("name") != name:
            continue
        found = [(attributes(a).get("value", ""), " selected" in f" {a}") for a in OPTION.findall(options)]
        return next((value for value, selected in found if selected), found[0][0] if found else "")
    return ""


@dataclass
class PostForm:
    action: str
    values: dict[str, str]  # typed fields, as the page filled them: each is spoiled in turn
    fixed: dict[str, str]  # ticked boxes and chosen radio buttons: sent as they are
    files: list[str]
    selects: list[str]  # spoiled with SELECT_VALUES only


def post_forms(page: str, path: str) -> list[PostForm]:
    """Each POST form of the page: its action, fields and file fields.

    Boxes and radio buttons keep the page's choice (their value is not typed by anyone);
    the fuzz spoils the other fields.
    """
    found = []
    for form_attrs, body in FORM.findall(page):
        attrs = attributes(form_attrs)
        if attrs.get("method", "get").lower() != "post":
            continue
        action = attrs.get("action") or path
        if "/logout/" in action or "/language/" in action:  # the header's forms: the crawl posts them
            continue
        values: dict[str, str] = {}
        fixed: dict[str, str] = {}
        files: list[str] = []
        selects: list[str] = []
        for tag, field_attrs in FIELD.findall(body):
            field = attributes(field_attrs)
            name = field.get("name")
            if not name or name == "csrfmiddlewaretoken":
                continue
            if field.get("type") == "file":
                files.append(name)
            elif field.get("type") in ("checkbox", "radio"):
                if "checked" in field_attrs:
                    fixed.setdefault(name, field.get("value", "on"))
            elif tag.lower() == "select":  # chosen, not typed: an unknown choice and a huge number
                selects.append(name)
                values.setdefault(name, chosen_option(body, name))
            else:
                values.setdefault(name, field.get("value", ""))
        fixed = {k: v for k, v in fixed.items() if k not in values}
        found.append(PostForm(action, values, fixed, files, selects))
    return found


def unique_actions(
    forms: list[tuple[str, dict[str, str], list[str]]],
) -> list[tuple[str, dict[str, str], list[str]]]:
    """One form per kind of action (``/staff/12/active/`` and ``/staff/13/active/`` are one)."""
    seen: set[str] = set()
    chosen = []
    for form in forms:
        kind = re.sub(r"\d+", "N", form.action)
        if kind not in seen:
            seen.add(kind)
            chosen.append(form)
    return chosen


def fuzz_page(client: Client, path: str, params: list[str]) -> tuple[list[str], int]:
    """Every hostile request of one page: (what gave a server error or an unexplained refusal, forms)."""
    problems = []
    for name in params:
        for value in QUERY_VALUES:
            status = client.get(path, {name: value}).status_code
            if status >= 500:
                problems.append(f"GET {path}?{name}={value!r} -> {status}")
    page = client.get(path)
    assert page.status_code in (200, 410), (path, page.status_code)  # 410: an unknown invitation
    forms = unique_actions(post_forms(page.content.decode(), path))
    for form in forms:
        sent = {**form.fixed, **form.values}
        for field in form.values:
            for value in SELECT_VALUES if field in form.selects else FORM_VALUES:
                response = client.post(form.action, {**sent, field: value})
                problems += judged(response, f"POST {form.action} {field}={value[:20]!r}")
        for field in form.files:
            for name, content in BAD_FILES:
                upload = SimpleUploadedFile(name, content, content_type="text/csv")
                response = client.post(form.action, {**sent, field: upload})
                problems += judged(response, f"POST {form.action} {field}={name}")
    return problems, len(forms)


def judged(response: Any, what: str) -> list[str]:
    if response.status_code >= 500:
        return [f"{what} -> {response.status_code}"]
    if response.status_code == 400:
        text = response.content.decode(errors="replace")
        if not any(mark in text for mark in ERRORS) and "<h1" not in text:
            return [f"{what} -> 400 without a message"]
    return []


BAD_FILES = [
    ("empty.csv", b""),
    ("binary.csv", bytes(range(256)) * 4),
    ("cp1251.csv", "email;role\nи@пример.рф;учитель\n".encode("cp1251")),
    ("numbers.csv", f"email;role;subjects\na@example.org;teacher;{BIG}\n".encode()),
    ("long.csv", b"email;role\n" + b"x" * 200_000 + b";teacher\n"),
    ("zip.csv", b"PK\x03\x04" + b"\x00" * 64),
]


def test_the_form_finder_sees_the_staff_pages_forms(district: District) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    member(district.school_a, Role.TEACHER)
    page = client_for(admin, SCHOOL).get("/staff/").content.decode()
    actions = {re.sub(r"\d+", "N", form.action) for form in post_forms(page, "/staff/")}
    assert {"/staff/invite/", "/staff/import/"} <= actions, actions
    files = [form.files for form in post_forms(page, "/staff/") if form.action == "/staff/import/"]
    assert files == [["file"]]


@pytest.mark.parametrize(
    ("host", "role", "where"),
    [
        (SCHOOL, Role.SCHOOL_ADMIN, "staff"),
        (SCHOOL, Role.SCHOOL_ADMIN, "member"),
        (SCHOOL, Role.SCHOOL_ADMIN, "/organisation/"),
        (CENTRE, Role.CENTRE_ADMIN, "/staff/"),
        (CENTRE, Role.CENTRE_ADMIN, "/schools/"),
        (CENTRE, Role.CENTRE_ADMIN, "/tutors/"),
        (CENTRE, Role.CENTRE_ADMIN, "/directories/"),
        (SCHOOL, Role.TEACHER, "/accounts/profile/"),
        (SCHOOL, None, "/accounts/login/"),
        (SCHOOL, None, "/accounts/password-reset/"),
        (SCHOOL, None, "invitation"),
    ],
)
def test_no_parameter_or_form_post_makes_an_accounts_or_organisation_page_a_server_error(
    host: str, role: str | None, where: str, district: District
) -> None:
    organisation = district.school_a if host == SCHOOL else district.centre
    user = member(organisation, role).user if role else None
    colleague = member(organisation, Role.TUTOR)
    path, params = where, ["page", "next"]
    if where == "staff":
        path, params = "/staff/", ["page", "q", "role"]
    elif where == "member":
        path, params = f"/staff/{colleague.pk}/", ["next"]
    elif where == "invitation":
        path, params = "/invite/not-a-real-token/", ["next"]
    client = client_for(user, host)
    problems, forms = fuzz_page(client, path, params)
    assert problems == []
    if where not in ("invitation",):
        assert forms >= 1, path  # the page's own form was found and posted


@pytest.mark.parametrize(
    "path",
    [
        "/staff/{n}/",
        "/staff/{n}/active/",
        "/staff/invitations/{n}/revoke/",
        "/directories/subjects/{n}/",
        "/directories/subjects/{n}/active/",
        "/directories/years/{n}/current/",
        "/accounts/hop/{n}/",
    ],
)
def test_numbers_in_the_path_beyond_postgresql_integers_are_not_found_not_a_server_error(
    path: str, district: District
) -> None:
    admin = member(district.centre, Role.CENTRE_ADMIN).user
    client = client_for(admin, CENTRE)
    for number in ("0", str(2**31), str(2**63), BIG):
        for method in ("get", "post"):
            status = getattr(client, method)(path.format(n=number)).status_code
            assert status < 500, (method, path, number, status)
            assert status in (302, 400, 403, 404, 405), (method, path, number, status)


def test_a_staff_file_with_a_cell_too_long_for_the_csv_module_is_refused_with_a_message(
    district: District,
) -> None:
    admin = member(district.school_a, Role.SCHOOL_ADMIN).user
    raw = b"email;role\nok@example.org;teacher\n" + b'"' + b"x" * 200_000 + b'";teacher\n'
    upload = SimpleUploadedFile("staff.csv", raw, content_type="text/csv")
    response = client_for(admin, SCHOOL).post("/staff/import/", {"file": upload})
    assert response.status_code == 200
    assert "Файл не читается как таблица: ячейка слишком длинная или повреждена." in response.content.decode()
    assert not Invitation.objects.filter(email="ok@example.org").exists()  # nothing half-written
