"""The shape the tutorials' and the weeks' APIs share: registering and checking in.

Both register a person with one POST and answer 201 with what was made (or
409 when closed or full); both check a person in with the short code the
organiser shows on the screen, answering 201, 400 for a wrong code and 409
for a code out of its time.  The views of ``tutorials.api`` and
``tutorials.events.api`` differ only in the service they call and what they
return; the rest is here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response


class CheckinCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20, help_text="The short code the organiser shows on the screen.")


def registration_schema(
    operation_id: str, *, request: Any, response: Any, conflict: str
) -> Callable[[Any], Any]:
    """The OpenAPI description of a registration endpoint: 201 with ``response``, 409 ``conflict``."""
    return extend_schema(
        operation_id=operation_id,
        request=request,
        responses={201: response, 409: OpenApiResponse(description=conflict)},
    )


def checkin_schema(operation_id: str, *, response: Any = None) -> Callable[[Any], Any]:
    """The OpenAPI description of a check-in endpoint (the code in the body)."""
    return extend_schema(
        operation_id=operation_id,
        request=CheckinCodeInputSerializer,
        responses={
            201: response,
            400: OpenApiResponse(description="Wrong code."),
            409: OpenApiResponse(description="Too early or too late."),
        },
    )


def create(
    request: Request,
    perform: Callable[[dict[str, Any]], Any],
    *,
    given: type[serializers.Serializer] | None = None,
    answer: Callable[[Any], Any] | None = None,
) -> Response:
    """Validate the body with ``given`` (when there is one), ``perform`` with its data, answer 201
    with ``answer`` of what was made (an empty body without one).  A service's ``TutornetError``
    becomes its 4xx body in ``tutornet.api.exception_handler``."""
    data: dict[str, Any] = {}
    if given is not None:
        body = given(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
    made = perform(data)
    return Response(answer(made) if answer is not None else None, status=status.HTTP_201_CREATED)


def checkin(
    request: Request, perform: Callable[[str], Any], *, answer: Callable[[Any], Any] | None = None
) -> Response:
    """Check in with the code of the body: ``perform(code)``, 201 with ``answer`` of its result."""
    return create(
        request, lambda data: perform(data["code"]), given=CheckinCodeInputSerializer, answer=answer
    )
