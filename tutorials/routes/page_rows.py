"""The long lists of the route page — the plan's rows, the evidence, the comment thread —
rendered in Python with ``format_html`` rather than by template loops: at 100 plan items,
200 pieces of evidence and 100 comments, the template engine's per-row variable lookups,
filters and ``{% csrf_token %}`` / ``{% include %}`` nodes were most of the page's time
(bench/README.md, «the route page»).  The markup is the one ``routes/route.html`` and
``routes/_comments.html`` wrote row by row; labels, links and the CSRF field are made once
per page.  Everything a person wrote goes through ``format_html`` (escaped)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django.template import Context
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .models import PlanItem


def _date(value: Any, fmt: str) -> str:
    """``value|date:"d.m.Y"`` / ``"d.m.Y H:i"`` (the same digits by ``strftime``, which is
    several times cheaper than ``dateformat``), in the current time zone for a moment."""
    if not value:
        return ""
    if getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value)
    return value.strftime(_STRFTIME[fmt])


_STRFTIME = {"d.m.Y": "%d.%m.%Y", "d.m.Y H:i": "%d.%m.%Y %H:%M"}


def _short(text: str) -> str:
    """``text|truncatechars:60``; a text already short is only normalised, as the filter does."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= 60 else Truncator(text).chars(60)


def _linebreaksbr(text: str) -> SafeString:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return mark_safe(escape(text).replace("\n", "<br>"))  # noqa: S308 (escaped just before)


def plan_rows(
    items: list[PlanItem],
    *,
    overdue_ids: set[int],
    can_edit: bool,
    csrf: str,
    item_extra: Callable[[PlanItem], str],
) -> SafeString:
    """The plan table's rows; ``item_extra(item)`` is the group link and booking part (HTML)."""
    if not items:
        return format_html('<tr><td colspan="6" class="muted">{}</td></tr>', _("The plan is empty."))
    overdue_label, accept, drop = _("overdue"), _("Accept"), _("Drop")
    rows = []
    for item in items:
        classes = ("overdue" if item.pk in overdue_ids else "") + (
            " dropped" if item.proposal == "dropped" else ""
        )
        why = format_html('<div class="muted">{}</div>', item.why) if item.why else ""
        offers = (
            format_html(
                '<ul class="offers">{}</ul>',
                format_html_join("", "<li>{}</li>", ((o.get("title", ""),) for o in item.offers)),
            )
            if item.offers
            else ""
        )
        overdue = format_html(" <strong>{}</strong>", overdue_label) if item.pk in overdue_ids else ""
        decide = ""
        if item.proposal == "proposed" and can_edit:
            decide = format_html(
                '<form method="post" action="{}">{}<input type="hidden" name="version" value="{}">'
                '<button name="decision" value="accept">{}</button> '
                '<button name="decision" value="drop">{}</button></form>',
                item.decide_url,  # type: ignore[attr-defined]
                csrf,
                item.version,
                accept,
                drop,
            )
        rows.append(
            format_html(
                '<tr class="{}"><td>{}{}</td><td>{}{}{}</td><td>{}</td><td>{}{}</td><td>{}</td>'
                "<td>{}{}</td></tr>",
                classes,
                item.deficit or "—",
                why,
                item.task,
                offers,
                item_extra(item),
                item.form_label,  # type: ignore[attr-defined]
                _date(item.deadline, "d.m.Y") or "—",
                overdue,
                item.expected_result or "—",
                item.status_label,  # type: ignore[attr-defined]
                decide,
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (each row built by format_html)


def evidence_rows(evidence: Iterable[Any], *, can_confirm: bool, csrf: str) -> SafeString:
    rows = []
    confirmed, confirm = _("confirmed by the tutor"), _("Confirm")
    for e in evidence:
        title = (
            format_html('<a href="{}" rel="noopener">{}</a>', e.url, e.title) if e.url else escape(e.title)
        )
        note = format_html('<div class="muted">{}</div>', e.note) if e.note else ""
        state: str
        if e.confirmed_by_id:
            state = format_html('<span class="ok">{}</span>', confirmed)
        elif can_confirm:
            state = format_html(
                '<form method="post" action="{}" class="inline">{}<button type="submit">{}</button></form>',
                e.confirm_url,
                csrf,
                confirm,
            )
        else:
            state = ""
        rows.append(format_html("<li>{}: {}{}{}</li>", e.kind_label, title, note, state))
    if not rows:
        return format_html('<li class="muted">{}</li>', _("No evidence yet."))
    return mark_safe("\n".join(rows))  # noqa: S308 (each row built by format_html)


def comment_rows(comments: Iterable[Any]) -> SafeString:
    rows = []
    for c in comments:
        about = format_html(" · {}", _short(c.item.task)) if c.item_id else ""
        rows.append(
            format_html(
                '<li id="comment-{}"><strong>{}</strong> <span class="muted">{}{}</span><div>{}</div></li>',
                c.pk,
                str(c.author),
                _date(c.created_at, "d.m.Y H:i"),
                about,
                _linebreaksbr(c.text),
            )
        )
    if not rows:
        return format_html('<li class="muted">{}</li>', _("No comments yet."))
    return mark_safe("\n".join(rows))  # noqa: S308 (each row built by format_html)


def item_options(items: Iterable[PlanItem]) -> SafeString:
    """The «about the task» choices of the comment form."""
    return format_html_join("", '<option value="{}">{}</option>', ((i.pk, _short(i.task)) for i in items))


def csrf_field(token: str) -> SafeString:
    """What ``{% csrf_token %}`` writes, for one token of the page."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def item_extra_renderer(context: dict[str, Any], token: str, links: Any) -> Callable[[PlanItem], str]:
    """The group link and booking part of a row: ``routes/_item_links.html``, rendered only for
    a row that has one (a group link or a bookable target), in a plain context (the request's
    context processors, and their queries, are not run again per row)."""
    from .templatetags.route_links import item_links

    template = get_template("routes/_item_links.html").template  # type: ignore[attr-defined]
    base = Context({**context, "csrf_token": token})

    def extra(item: PlanItem) -> str:
        it = item_links(links, item)
        if not (it.link or it.bookable):
            return ""
        with base.push(item=item, it=it):
            return str(template.render(base))

    return extra
