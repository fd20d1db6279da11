"""Bad and boundary input for every API operation, derived from the OpenAPI schema the
API publishes (``/api/schema/``, drf-spectacular).

The same approach as ``tests/consultations/test_query_fuzz.py`` (a fixed list of hostile
values per parameter, parametrised over pages and endpoints), extended from a hand-made
list of pages to the schema: each operation's path parameters, query parameters and JSON
body properties get values chosen by their declared type (the ends of PostgreSQL's
integers, impossible dates, wrong types, oversized and control-character strings), one
property at a time on top of a body that is otherwise valid, plus bodies that are not
objects at all. Every answer must be below 500, and a status the operation declares must
carry a body that validates against the declared schema
(``tests/consultations/test_api_schema.py``'s checker).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from tests.consultations.test_api_schema import _json_schema
from tests.consultations.test_query_fuzz import HOSTILE

BIG = 99999999999999999999  # beyond bigint
INT_BOUNDARY: list[Any] = [0, -1, 2**31, 2**63, -(2**63) - 1, BIG, 1.5, "abc", "", None, True, [], {}]
STRING_BOUNDARY: list[Any] = [
    "",
    " ",
    "x" * 5000,
    "\x00",
    "<script>alert(1)</script>",
    "=1+1",
    7,
    [],
    {},
    None,
]
BOOL_BOUNDARY: list[Any] = ["maybe", 2, None, [], {}]
ARRAY_BOUNDARY: list[Any] = ["1", None, {}, [None], [BIG], [-1], ["abc"], [[]], list(range(1, 600))]
DATE_BOUNDARY: list[Any] = ["9999-12-31", "0001-01-01", "2026-02-30", "tomorrow", "", 20261203, None]
TIME_BOUNDARY: list[Any] = ["24:00", "25:61", "-1:00", "9999-12-31T00:00", "", None]
EMAIL_BOUNDARY: list[Any] = ["not-an-email", "a@b", "@", "a@" + "b" * 300 + ".ru", "Иван@пример.рф", "", None]
NOT_OBJECTS: list[Any] = [[], "text", 0, None, [{}]]
PATH_VALUES = ["0", str(2**31), str(2**63), str(BIG)]
# Parameters nobody declared, some of which DRF or the project read (format, page, lang).
UNDECLARED_QUERY = {
    "format": "xml",
    "page": str(BIG),
    "page_size": "-1",
    "lang": "zz",
    "next": "//evil.example",
}


@dataclass
class Case:
    what: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    raw: str | None = None  # a body that is not JSON at all


@dataclass
class Operation:
    path: str  # as declared, with {placeholders}
    method: str
    spec: dict[str, Any]
    components: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return resolve(content["application/json"]["schema"], self.components)

    def concrete_path(self, values: dict[str, str]) -> str:
        path = self.path
        for parameter in self.parameters("path"):
            path = path.replace("{" + parameter["name"] + "}", values.get(parameter["name"], "1"))
        return path


def resolve(node: Any, components: dict[str, Any]) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = components[node["$ref"].rsplit("/", 1)[-1]]
    if isinstance(node, dict) and "allOf" in node and len(node["allOf"]) == 1:
        return resolve(node["allOf"][0], components)
    return node


def operations(document: dict[str, Any], prefixes: tuple[str, ...] = ("/api/",)) -> list[Operation]:
    components = document["components"]["schemas"]
    found = []
    for path, methods in document["paths"].items():
        if not path.startswith(prefixes):
            continue
        for method, spec in methods.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append(Operation(path, method, spec, components))
    return found


def bad_values(schema: dict[str, Any], components: dict[str, Any]) -> list[Any]:
    """Values a client could send for a property of this schema that it must not crash on."""
    schema = resolve(schema, components)
    if "enum" in schema:
        return ["no-such-choice", None, 1, ""]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer" or kind == "number":
        return INT_BOUNDARY
    if kind == "boolean":
        return BOOL_BOUNDARY
    if kind == "array":
        return ARRAY_BOUNDARY
    if kind == "object":
        return NOT_OBJECTS
    if fmt in ("date", "date-time"):
        return DATE_BOUNDARY
    if fmt == "time":
        return TIME_BOUNDARY
    if fmt == "email":
        return EMAIL_BOUNDARY
    return STRING_BOUNDARY


# A shorter list for the pass over every operation (its run time stays modest).
HOSTILE_SHORT = ["0001-01-01", "9999-12-31", str(BIG), "abc"]
SHORT = 4  # values per body property in the short pass


def cases(
    operation: Operation,
    path_values: dict[str, str],
    baseline: dict[str, Any] | None,
    query_values: list[str] = HOSTILE,
    per_property: int | None = None,
) -> Iterator[Case]:
    """Every hostile request for ``operation``; ``path_values`` name real objects, ``baseline``
    is a valid body that one property at a time is spoiled in."""
    path = operation.concrete_path(path_values)
    yield Case("as declared", path, body=baseline)
    yield Case("undeclared query parameters", path, query=UNDECLARED_QUERY, body=baseline)
    for parameter in operation.parameters("path"):
        for value in PATH_VALUES:
            yield Case(
                f"path {parameter['name']}={value}",
                operation.concrete_path({**path_values, parameter["name"]: value}),
                body=baseline,
            )
    for parameter in operation.parameters("query"):
        for value in query_values:
            yield Case(f"query {parameter['name']}={value!r}", path, query={parameter["name"]: value})
    schema = operation.body_schema()
    if schema is None or operation.method == "get":
        return
    base = dict(baseline or {})
    for name, property_schema in schema.get("properties", {}).items():
        if property_schema.get("readOnly"):
            continue
        for value in bad_values(property_schema, operation.components)[:per_property]:
            yield Case(f"body {name}={_short(value)}", path, body={**base, name: value})
        if name in base:
            yield Case(f"body without {name}", path, body={k: v for k, v in base.items() if k != name})
    for value in NOT_OBJECTS:
        yield Case(f"body {_short(value)}", path, body=value)
    yield Case("body not JSON", path, raw='{"unterminated": ')


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)} chars)"


def send(client: Any, operation: Operation, case: Case) -> Any:
    """The request through the whole stack (Django's test client or DRF's)."""
    call = getattr(client, operation.method)
    if operation.method == "get" or (case.body is None and case.raw is None):
        if operation.method == "get":
            return call(case.path, case.query)
        return call(case.path + _query_string(case.query))
    data = case.raw if case.raw is not None else json.dumps(case.body)
    return call(case.path + _query_string(case.query), data=data, content_type="application/json")


def _query_string(query: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return f"?{urlencode(query)}" if query else ""


def problems_of(operation: Operation, case: Case, response: Any) -> list[str]:
    """What is wrong with the answer: a server error, or a body the schema does not allow."""
    status = response.status_code
    where = f"{operation.name} [{case.what}] -> {status}"
    if status >= 500:
        return [where]
    declared = operation.spec.get("responses", {}).get(str(status))
    content = (declared or {}).get("content", {}).get("application/json")
    if content is None or not response.content:
        return []
    try:
        body = response.json()
    except ValueError:
        return [f"{where}: not JSON"]
    schema = _json_schema(content["schema"], operation.components)
    try:
        jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError as error:
        return [f"{where}: {error.message[:200]}"]
    return []


def error_message_problems(operation: Operation, case: Case, response: Any) -> list[str]:
    """A refusal (4xx other than 404/405) tells the caller what is wrong, as JSON."""
    status = response.status_code
    if not 400 <= status < 500 or status in (404, 405, 429):
        return []
    try:
        body = response.json()
    except ValueError:
        return [f"{operation.name} [{case.what}] -> {status}: the refusal is not JSON"]
    if not body or not isinstance(body, dict):
        return [f"{operation.name} [{case.what}] -> {status}: the refusal says nothing: {body!r}"]
    return []
