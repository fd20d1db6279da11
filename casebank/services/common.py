"""Helpers the case-bank services share: cleaning input, the search vector, notifications.

Nothing here opens a transaction of its own; the calling service does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import nh3
from django.contrib.postgres.search import SearchVector
from django.core.files import File
from django.db.models import F, Func, TextField, Value
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from accounts.selectors import membership_for
from accounts.services import audit
from codifier.selectors import topics_matching
from notifications.models import Kind as NotificationKind
from notifications.services import notification_create
from tenants.models import Organisation, Subject
from tenants.selectors import organisation_url
from tutornet.stored_files import file_save

from .. import files as attachment_files
from ..errors import MaterialInvalidError
from ..models import GRADES, Attachment, Kind, Licence, Material, MaterialVersion, SearchTerm

# The page of a material on its organisation's site: notifications link to it.
MATERIAL_PATH = "/casebank/materials/{pk}/"

MAX_TOPICS = 20
MAX_AUTHORS = 20

# What rich text may contain: formatting, lists, tables, links and images; no scripts,
# no event handlers, no styles, no frames.  Links get rel="noopener noreferrer".
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "sub", "sup", "mark", "span",
    "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "pre", "code",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "caption", "figure", "figcaption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Images the platform itself serves on this organisation's site: an attachment of a material, or
# a picture the rich-text editor uploaded (``/portal/images/<id>/``, ``portal.pictures``).
# Any other image source would be fetched by every reader's browser: a tracking pixel, or a page
# that changes behind the moderator's back.  Each caller of ``sanitise_html`` names the sources
# it serves itself (``own_images``; the question bank passes its pictures and Moodle's
# ``@@PLUGINFILE@@`` placeholder, see ``tutorials.diagnostics.services.items``); the case bank's
# are the default.
CASEBANK_IMAGE_SOURCE = re.compile(r"^(/(api/)?casebank/files/\d+/|/portal/images/\d+/)$")
# The name this rule had when the question bank's sources were written into it.
OWN_IMAGE_SOURCE = CASEBANK_IMAGE_SOURCE


def _own_images_only(own_images: re.Pattern[str]) -> Callable[[str, str, str], str | None]:
    def allow(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src" and not own_images.match(value):
            return None
        return value

    return allow


def sanitise_html(value: str, *, own_images: re.Pattern[str] = CASEBANK_IMAGE_SOURCE) -> str:
    """Rich text with only the allow-listed tags and attributes (scripts and their content removed);
    an image keeps its source only when the caller serves it itself (``own_images``: by default
    the case bank's attachments), and an image without a description gets an empty one
    (decorative to screen readers, never unlabelled)."""
    clean = nh3.clean(
        value or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_own_images_only(own_images),
    ).strip()
    return IMAGE_WITHOUT_ALT.sub('<img alt=""', clean)


# nh3 writes tags in one normal form: ``<img src="..." ...>``.
IMAGE_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")


def html_to_text(value: str) -> str:
    """The plain text of sanitised HTML, for the search vector and highlighted snippets."""
    text = html.unescape(strip_tags(value.replace("<", " <")))
    return re.sub(r"\s+", " ", text).strip()


def search_vector_expression() -> Any:
    """Weighted russian tsvector of a material: title A, topics and abstract B, text C.

    Usable in ``Material.objects.filter(...).update(search_vector=...)``, so a
    bulk load can refresh many rows in one statement.
    """
    topics = Func(F("topics"), Value(" "), function="array_to_string", output_field=TextField())
    return (
        SearchVector("title", weight="A", config="russian")
        + SearchVector(topics, "abstract", weight="B", config="russian")
        + SearchVector("body_text", weight="C", config="russian")
    )


def rank_vector_expression() -> Any:
    """The compact vector search ranks by: title A, topics and abstract B (no text).

    Small and stored inline, so ranking every match reads no TOAST; the match
    itself uses the full ``search_vector``.
    """
    topics = Func(F("topics"), Value(" "), function="array_to_string", output_field=TextField())
    return SearchVector("title", weight="A", config="russian") + SearchVector(
        topics, "abstract", weight="B", config="russian"
    )


def search_vectors() -> dict[str, Any]:
    """Both vectors, for ``Material.objects.filter(...).update(**search_vectors())``."""
    return {"search_vector": search_vector_expression(), "rank_vector": rank_vector_expression()}


_WORD = re.compile(r"[^\W\d_]{3,60}")


def search_terms_add(texts: Iterable[str]) -> None:
    """Add the words of published text to this bank's vocabulary (for typo correction)."""
    words = {w.lower() for text in texts for w in _WORD.findall(text or "")}
    if words:
        SearchTerm.objects.bulk_create([SearchTerm(word=w) for w in sorted(words)], ignore_conflicts=True)


def clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise MaterialInvalidError(_("Give the material a title."), field="title")
    if len(title) > 300:
        raise MaterialInvalidError(_("The title is longer than 300 characters."), field="title")
    return title


def clean_choice(value: str, choices: type[Kind] | type[Licence], field: str) -> str:
    if value not in choices.values:
        raise MaterialInvalidError(
            _("Unknown value “%(value)s”. Possible values: %(values)s.")
            % {"value": value, "values": ", ".join(str(label) for label in choices.labels)},
            field=field,
        )
    return value


def clean_grades(grades: Iterable[int]) -> list[int]:
    try:
        cleaned = sorted({int(g) for g in grades})
    except (TypeError, ValueError):
        raise MaterialInvalidError(_("Grades are numbers from 1 to 11."), field="grades") from None
    if any(g not in GRADES for g in cleaned):
        raise MaterialInvalidError(_("Grades are numbers from 1 to 11."), field="grades")
    return cleaned


def clean_topics(topics: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for topic in topics:
        topic = re.sub(r"\s+", " ", str(topic)).strip()
        if not topic:
            continue
        if len(topic) > 100:
            raise MaterialInvalidError(_("A topic is at most 100 characters long."), field="topics")
        seen.setdefault(topic.lower(), topic.lower())
    if len(seen) > MAX_TOPICS:
        raise MaterialInvalidError(_("At most %(count)s topics.") % {"count": MAX_TOPICS}, field="topics")
    return list(seen.values())


def clean_subject_ids(subjects: Iterable[Subject | int]) -> list[int]:
    ids = sorted({s.pk if isinstance(s, Subject) else int(s) for s in subjects})
    found = set(Subject.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if missing := [i for i in ids if i not in found]:
        raise MaterialInvalidError(
            _("Unknown subject: %(ids)s.") % {"ids": ", ".join(map(str, missing))}, field="subjects"
        )
    return ids


def clean_authors(
    authors: Iterable[User], *, actor: User, organisation: Organisation, credited: Iterable[User] = ()
) -> list[User]:
    """The actor and the co-authors, who must be active staff of the same organisation.

    ``credited``: the material's present authors, who stay valid co-authors even when they
    have left the organisation since (their credit is not taken away by a colleague's edit).
    """
    result: dict[int, User] = {actor.pk: actor}
    already = {author.pk for author in credited}
    for author in authors:
        if author.pk in result:
            continue
        if author.pk not in already and membership_for(author, organisation) is None:
            raise MaterialInvalidError(
                _("%(person)s is not a member of %(organisation)s and cannot be a co-author.")
                % {"person": author, "organisation": organisation.short_name},
                field="co_authors",
            )
        result[author.pk] = author
    if len(result) > MAX_AUTHORS:
        raise MaterialInvalidError(
            _("At most %(count)s authors.") % {"count": MAX_AUTHORS}, field="co_authors"
        )
    return list(result.values())


def check_files(
    files: Sequence[File], *, existing: int = 0
) -> list[tuple[File, attachment_files.CheckedFile]]:
    from django.conf import settings

    if existing + len(files) > settings.CASEBANK_MAX_ATTACHMENTS:
        raise MaterialInvalidError(
            _("At most %(count)s files per material.") % {"count": settings.CASEBANK_MAX_ATTACHMENTS},
            field="attachments",
        )
    return [(f, attachment_files.check_attachment(f, f.name or "")) for f in files]


def attachments_store(
    version: MaterialVersion, checked: Sequence[tuple[File, attachment_files.CheckedFile]]
) -> None:
    """Save checked files into this schema's storage (the tenant storage prefixes the schema)."""
    for stream, info in checked:
        stream.seek(0)
        attachment = Attachment(
            version=version, original_name=info.name, content_type=info.type.content_type, size=info.size
        )
        extension = info.type.extensions[0]
        file_save(attachment.file, f"{info.type.code}{extension}", File(stream))
        attachment.save()


def version_apply(material: Material, version: MaterialVersion) -> None:
    """Make the material show ``version``: content, metadata, subjects and the search vector."""
    for field in ("title", "abstract", "body", "body_text", "kind", "licence", "grades", "topics"):
        setattr(material, field, getattr(version, field))
    material.save()
    material.subjects.set(version.subject_ids)
    material.codifier_topics.set(topics_matching(version.topics, version.subject_ids))
    Material.objects.filter(pk=material.pk).update(**search_vectors())


def material_link(material: Material, organisation: Organisation) -> str:
    return organisation_url(organisation, MATERIAL_PATH.format(pk=material.pk))


def notify(
    *,
    recipients: Iterable[User],
    kind: NotificationKind,
    subject: str,
    body: str,
    params: dict[str, Any],
    link: str,
    organisation: Organisation,
) -> None:
    """One outbox row per recipient, each in the recipient's language (delivered on commit).

    ``subject`` and ``body`` are English msgids with ``%(name)s`` placeholders.
    """
    for recipient in {r.pk: r for r in recipients if r.is_active}.values():
        with translation.override(recipient.language):
            notification_create(
                kind=kind,
                recipient=recipient,
                subject=(_(subject) % params)[:300],
                body=_(body) % params,
                link=link,
                organisation=organisation,
            )


def methodologists_of(centre: Organisation) -> list[User]:
    return [
        m.user
        for m in Membership.objects.select_related("user").filter(
            organisation=centre, role=Role.METHODOLOGIST, is_active=True, user__is_active=True
        )
    ]


__all__ = [
    "MATERIAL_PATH",
    "audit",
    "attachments_store",
    "check_files",
    "clean_authors",
    "clean_choice",
    "clean_grades",
    "clean_subject_ids",
    "clean_title",
    "clean_topics",
    "html_to_text",
    "material_link",
    "methodologists_of",
    "notify",
    "sanitise_html",
    "search_terms_add",
    "rank_vector_expression",
    "search_vector_expression",
    "search_vectors",
    "version_apply",
]
