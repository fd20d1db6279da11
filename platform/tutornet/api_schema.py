"""The refusals every endpoint can give, declared once for the whole OpenAPI schema.

A drf-spectacular post-processing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``): each
operation gets, where it does not declare its own,

* 401 and 403 when it needs a caller (every operation but asking for a token);
* 404 when its path names an object (another organisation's object is as absent as a missing one);
* 400 when it takes a body or query parameters;

each with the body ``Error``: ``detail`` (a sentence in the caller's language), ``code`` (a stable
word, for the platform's own refusals), and a list of messages per invalid field.  The body comes
from ``tutornet.api.exception_handler`` and DRF's own handler.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "A refusal: `detail` says what is wrong in the caller's language; an invalid "
    "field is a key with its messages.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "A stable word naming the refusal."},
    },
    "additionalProperties": {},
}

_WHY = {
    "400": "Invalid input: the body names each field's problem.",
    "401": "Not signed in: send `Authorization: Token <key>` or the session cookie.",
    "403": "Not allowed: not a member of the organisation on this host, or the role may not do this.",
    "404": "No such object on this organisation's host.",
}


def _refusals(path: str, operation: dict[str, Any]) -> list[str]:
    statuses = []
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if "requestBody" in operation or has_query:
        statuses.append("400")
    if operation.get("security") not in (None, [{}]):  # asking for a token needs no caller
        statuses += ["401", "403"]
    if "{" in path:
        statuses.append("404")
    return statuses


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the refusals an operation does not declare itself (see the module's docstring)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _refusals(path, operation):
                responses.setdefault(status, {"description": _WHY[status], "content": body})
    return result
