"""A draft route proposed from the diagnostics.

Ranking of the deficits (the tasks, strongest first):

1. ``serious`` before ``moderate`` (the diagnostics selector's severity);
2. then the deficit both the test and the questionnaire show, before one source only;
3. then the lower test percentage first (a questionnaire-only deficit, with no
   percentage, after the tested ones);
4. then the codifier order of the topic (1.2 before 1.10), so the order is stable.

Ranking of the offers within one task (which comes first, and why):

1. **tutorials** tagged with the deficit's codifier topic, published and still to
   come, soonest first: a scheduled group session on exactly this topic, with a tutor;
2. **published case materials** tagged with the topic, newest first: self-study on
   exactly this topic, available at once;
3. **consultation offerings** of the subject's tutors (active), a topic named in the
   offering matching the deficit's title first: individual help in the subject, but
   not tied to the topic;
4. **the Help Hour**: always offered last, as the fallback for any difficulty.

The task's form follows its first offer (tutorial, case material to study,
consultation, Help Hour).  The teacher and the tutor accept, change or drop each
proposed task (``services.item_decide`` / ``item_update``): nothing is imposed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from codifier.models import code_sort_key
from tutorials.diagnostics.campaigns.models import Campaign
from tutorials.diagnostics.campaigns.selectors import SERIOUS, SOURCE_BOTH, Deficit, deficits_for
from tutornet.errors import TutornetError

from . import services
from .models import Form, PlanItem, Route, Status

OFFER_LIMIT = 3


def _code_key(code: str | None) -> tuple[tuple[int, int | str], ...]:
    """The codifier order, comparable whatever the codes hold ("1.10" after "1.9", a part that
    is not a number after the numbers, no code last): never an int compared with a str."""
    if not code:
        return ((2, ""),)
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in code_sort_key(code))


def rank_deficits(deficits: list[Deficit]) -> list[Deficit]:
    """Strongest first (the rule in the module's docstring)."""
    return sorted(
        deficits,
        key=lambda d: (
            d.severity != SERIOUS,
            d.source != SOURCE_BOTH,
            d.percent is None,
            d.percent if d.percent is not None else 0.0,
            _code_key(d.topic_code),
            d.competence_block,
        ),
    )


def why(deficit: Deficit) -> str:
    """Why a task is proposed, e.g. «результат по теме 3.2 «Неравенства» — 40 %;
    в анкете отмечено «испытываю значительные затруднения»»."""
    name = (
        f"{deficit.topic_code} «{deficit.topic_title}»"
        if deficit.topic_id
        else f"«{deficit.competence_block}»"
    )
    parts = []
    if deficit.percent is not None:
        parts.append(
            _("result on topic %(topic)s — %(percent)s %%")
            % {"topic": name, "percent": round(deficit.percent)}
        )
    if deficit.declared_level:
        answer = (
            _("I have serious difficulties") if deficit.declared_level >= 2 else _("I have some difficulties")
        )
        if deficit.percent is None:
            parts.append(_("topic %(topic)s") % {"topic": name})
        parts.append(_("marked in the questionnaire: «%(answer)s»") % {"answer": answer.lower()})
    return "; ".join(parts)


class OfferBook:
    """The ranked offers of one subject, read once per topic for a whole run of proposals
    (a campaign's teachers share their topics: the reads do not grow with the teachers)."""

    def __init__(self, subject_id: int | None) -> None:
        self.subject_id = subject_id
        self._topics: dict[int, list[dict[str, Any]]] = {}
        self._offerings: list[Any] | None = None

    def preload(self, topic_ids: set[int]) -> None:
        """Read the offers of all these topics at once: two statements (the first
        ``OFFER_LIMIT`` of each topic by a window over the topic links), the same rows and
        order that ``_topic`` reads one topic at a time."""
        from casebank.models import Material
        from casebank.models import Status as MaterialStatus
        from tutorials.models import Tutorial

        wanted = sorted(set(topic_ids) - set(self._topics))
        if not wanted:
            return
        # (type: ignore: the django stubs do not see the window annotation "rank")
        tutorials = (
            Tutorial.topics.through.objects.filter(  # type: ignore[misc]
                topic_id__in=wanted, tutorial__status=Tutorial.Status.PUBLISHED
            )
            .filter(Q(tutorial__starts_at__gte=timezone.now()) | Q(tutorial__starts_at__isnull=True))
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("topic_id")],
                    order_by=[F("tutorial__starts_at").asc(), F("tutorial_id").asc()],
                )
            )
            .filter(rank__lte=OFFER_LIMIT)
            .order_by("topic_id", "rank")
            .values_list("topic_id", "tutorial_id", "tutorial__title")
        )
        materials = (
            Material.codifier_topics.through.objects.filter(  # type: ignore[misc]
                topic_id__in=wanted, material__status=MaterialStatus.PUBLISHED
            )
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("topic_id")],
                    order_by=[F("material__published_at").desc(), F("material_id").desc()],
                )
            )
            .filter(rank__lte=OFFER_LIMIT)
            .order_by("topic_id", "rank")
            .values_list("topic_id", "material_id", "material__title")
        )
        found: dict[int, list[dict[str, Any]]] = {t: [] for t in wanted}
        for topic_id, pk, title in tutorials:
            found[topic_id].append({"kind": "tutorial", "id": pk, "title": title, "form": Form.TUTORIAL})
        for topic_id, pk, title in materials:
            found[topic_id].append({"kind": "material", "id": pk, "title": title, "form": Form.CASE_MATERIAL})
        self._topics.update(found)

    def _topic(self, topic_id: int) -> list[dict[str, Any]]:
        from casebank.models import Material
        from casebank.models import Status as MaterialStatus
        from tutorials.models import Tutorial

        if topic_id not in self._topics:
            tutorials = (
                Tutorial.objects.filter(status=Tutorial.Status.PUBLISHED, topics=topic_id)
                .filter(Q(starts_at__gte=timezone.now()) | Q(starts_at__isnull=True))
                .order_by("starts_at", "pk")
                .values_list("pk", "title")[:OFFER_LIMIT]
            )
            materials = (
                Material.objects.filter(status=MaterialStatus.PUBLISHED, codifier_topics=topic_id)
                .order_by("-published_at", "-pk")
                .values_list("pk", "title")[:OFFER_LIMIT]
            )
            self._topics[topic_id] = [
                {"kind": "tutorial", "id": pk, "title": title, "form": Form.TUTORIAL}
                for pk, title in tutorials
            ] + [
                {"kind": "material", "id": pk, "title": title, "form": Form.CASE_MATERIAL}
                for pk, title in materials
            ]
        return self._topics[topic_id]

    def offerings(self) -> list[Any]:
        from consultations.models import Offering

        if self._offerings is None:
            self._offerings = (
                []
                if self.subject_id is None
                else list(
                    Offering.objects.filter(subject_id=self.subject_id, is_active=True).select_related(
                        "tutor"
                    )
                )
            )
        return self._offerings

    def offers_for(self, deficit: Deficit) -> list[dict[str, Any]]:
        """The ranked offers for one deficit (the rule in the module's docstring)."""
        offers = [dict(o) for o in self._topic(deficit.topic_id)] if deficit.topic_id else []
        if self.subject_id is not None:
            title = deficit.topic_title.lower()
            offerings = sorted(
                self.offerings(), key=lambda o: (not (title and o.topic and o.topic.lower() in title), o.pk)
            )
            offers += [
                {"kind": "offering", "id": o.pk, "title": f"{o} — {o.tutor}", "form": Form.CONSULTATION}
                for o in offerings[:OFFER_LIMIT]
            ]
        offers.append(
            {"kind": "help_hour", "id": None, "title": _("Methodological Help Hour"), "form": Form.HELP_HOUR}
        )
        return offers


def offers_for(deficit: Deficit, subject_id: int | None) -> list[dict[str, Any]]:
    """The ranked offers for one deficit (the rule in the module's docstring)."""
    return OfferBook(subject_id).offers_for(deficit)


def new_items(
    *,
    route: Route,
    deficits: list[Deficit],
    book: OfferBook,
    existing: set[int | None],
    existing_blocks: set[str],
    position: int,
) -> list[PlanItem]:
    """The proposed tasks (unsaved) for the ranked ``deficits`` that the route does not have yet
    (a topic in ``existing``, a questionnaire-only deficit's label in ``existing_blocks``),
    numbered after ``position``.  The one-teacher and the campaign-wide paths both build here."""
    items = []
    expected = _("Result of the next diagnostics on this topic above the threshold")
    for deficit in deficits:
        name = deficit.topic_title or deficit.competence_block
        label = f"{deficit.topic_code} {name}".strip()[:300]
        if deficit.topic_id in existing or (deficit.topic_id is None and label in existing_blocks):
            continue
        offers = book.offers_for(deficit)
        position += 1
        items.append(
            PlanItem(
                route=route,
                position=position,
                topic_id=deficit.topic_id,
                deficit=label,
                task=_("Close the gap on “%(topic)s”") % {"topic": name},
                form=offers[0]["form"],
                expected_result=expected,
                proposal=PlanItem.Proposal.PROPOSED,
                why=why(deficit),
                offers=offers,
            )
        )
    return items


def route_propose(*, teacher_id: int, campaign: Campaign, actor: User) -> Route:
    """A draft route with one proposed task per deficit of the teacher in the campaign
    (``propose``, without the count of the tasks it added)."""
    return propose(teacher_id=teacher_id, campaign=campaign, actor=actor)[0]


@transaction.atomic
def propose(
    *,
    teacher_id: int,
    campaign: Campaign,
    actor: User,
    deficits: list[Deficit] | None = None,
    book: OfferBook | None = None,
) -> tuple[Route, int]:
    """A draft route with one proposed task per deficit of the teacher in the campaign,
    strongest first, each with its why and its ranked offers.  Into the teacher's draft for
    the campaign's year if there is one; a route already sent on is refused.

    A campaign-wide run passes the teacher's ``deficits`` (read once for the campaign) and one
    ``book`` of offers for all its teachers, so a teacher costs a constant handful of statements."""
    teacher = User.objects.get(pk=teacher_id)
    deficits = rank_deficits(deficits_for(teacher_id, campaign) if deficits is None else deficits)
    if not deficits:
        raise TutornetError(
            _("The diagnostics show no deficits for this teacher: there is nothing to propose.")
        )
    book = book if book is not None else OfferBook(campaign.subject_id)
    route = (
        Route.objects.select_for_update()
        .filter(teacher_id=teacher_id, academic_year=campaign.academic_year)
        .first()
    )
    existing: set[int | None] = set()
    existing_blocks: set[str] = set()
    position = 0
    if route is None:
        route = services.route_create(
            actor=actor,
            teacher=teacher,
            academic_year=campaign.academic_year,
            subject_id=campaign.subject_id,
            campaign_id=campaign.pk,
        )
    elif route.status != Status.DRAFT:
        raise TutornetError(
            _("The route for this year has already been sent on; proposals go only into a draft.")
        )
    else:
        # Proposals impose nothing, so the centre's methodologist may add them to a draft too.
        services._require(
            services.permissions.can_edit(actor, route) or services.permissions.is_methodologist(actor)
        )
        # One read of the draft's items: a questionnaire-only deficit has no topic, it is known by
        # its label (proposing twice adds nothing).
        for topic_id, label in route.items.values_list("topic_id", "deficit"):
            position += 1
            if topic_id is None:
                existing_blocks.add(label)
            else:
                existing.add(topic_id)
    items = new_items(
        route=route,
        deficits=deficits,
        book=book,
        existing=existing,
        existing_blocks=existing_blocks,
        position=position,
    )
    PlanItem.objects.bulk_create(items)
    services.audit(actor=actor, action="route.propose", target=route.pk, campaign=campaign.pk)
    return route, len(items)
