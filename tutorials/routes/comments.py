"""The discussion of a route (stage "implementation and discussion"): comments between the
teacher, their tutor, and the school's administrator or a methodologist who may see the route.

Rules (``permissions.can_view`` decides who is a participant):
* whoever may see the route reads its thread and writes in it; nobody else learns it exists
  (the same 404 as a missing route);
* a completed route is a frozen snapshot: its thread is read-only;
* a comment may name one of the route's plan items (not another route's);
* every other participant (the teacher, the tutor, and whoever wrote in the thread before
  and may still see it) gets one notification through the outbox, in their own language;
  the author gets none.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Kind
from notifications.services import notification_build, notifications_create
from tenants.selectors import organisation_url
from tutornet.errors import TutornetError

from . import permissions, services
from .models import Route, Status
from .models_comments import RouteComment

MAX_LENGTH = 5000


def thread(route: Route) -> list[RouteComment]:
    """The route's comments, oldest first (one query; the caller checked ``can_view``)."""
    return list(RouteComment.objects.filter(route=route).select_related("author", "item"))


def comments_for(*, actor: User, route_id: int) -> list[RouteComment]:
    """The thread of a route this person may see; else the 404 of a missing route."""
    route = services._route(route_id, actor, lock=False)
    return thread(route)


def can_comment(user: User, route: Route) -> bool:
    return route.status != Status.COMPLETED and permissions.can_view(user, route)


def _recipients(route: Route, author: User) -> list[User]:
    ids: set[int] = {route.teacher_id}
    if route.tutor_id is not None:
        ids.add(route.tutor_id)
    ids |= set(RouteComment.objects.filter(route=route).values_list("author_id", flat=True))
    ids.discard(author.pk)
    people = User.objects.filter(pk__in=ids, is_active=True).order_by("pk")
    return [p for p in people if permissions.can_view(p, route)]


@transaction.atomic
def comment_add(*, actor: User, route_id: int, text: str, item_id: int | None = None) -> RouteComment:
    """Write a comment in the route's thread and tell the other participants."""
    route = services._route(route_id, actor, lock=False)
    if route.status == Status.COMPLETED:
        raise TutornetError(_("The route is completed: its discussion is closed."))
    text = (text or "").strip()
    if not text:
        raise TutornetError(_("Write the comment."), field="text")
    if len(text) > MAX_LENGTH:
        raise TutornetError(
            _("A comment may be at most %(max)s characters long.") % {"max": MAX_LENGTH}, field="text"
        )
    if item_id is not None and not route.items.filter(pk=item_id).exists():
        raise TutornetError(_("There is no such task."), field="item")
    comment = RouteComment.objects.create(route=route, item_id=item_id, author=actor, text=text)
    _notify(route, comment, actor)
    services.audit(actor=actor, action="route.comment", target=route.pk, comment=comment.pk)
    return comment


def _notify(route: Route, comment: RouteComment, author: User) -> None:
    organisation = services._organisation()
    link = organisation_url(organisation, f"/routes/{route.pk}/#comments")
    rows = []
    for person in _recipients(route, author):
        with translation.override(person.language):
            rows.append(
                notification_build(
                    kind=Kind.ROUTE_COMMENT,
                    recipient=person,
                    subject=_("A comment on the route of %(teacher)s") % {"teacher": route.teacher},
                    body=_("%(author)s wrote:") % {"author": author} + "\n\n" + comment.text,
                    link=link,
                    organisation=organisation,
                )
            )
    notifications_create(rows)


def waiting_for_answer(user: User) -> QuerySet[Route]:
    """The routes of this person's tutorants whose last comment is not theirs (one query):
    the tutor's "comments waiting for an answer"."""
    last_author = RouteComment.objects.filter(route=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        Route.objects.filter(tutor_id=user.pk)
        .exclude(status=Status.COMPLETED)
        .annotate(last_author_id=Subquery(last_author.values("author_id")[:1]))
        .filter(last_author_id__isnull=False)
        .exclude(last_author_id=user.pk)
        .select_related("teacher")
        .order_by("pk")
    )
