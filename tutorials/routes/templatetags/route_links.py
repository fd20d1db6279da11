"""What the route page shows of group routes, booking and next year (this part's additions):
``{% route_links route page as links %}`` costs at most three queries whatever the number of
plan items; ``{% item_links links item as it %}`` is a lookup."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import template

register = template.Library()


@dataclass
class Links:
    groups: list[Any] = field(default_factory=list)
    by_item: dict[int, Any] = field(default_factory=dict)
    slots: dict[int, list[Any]] = field(default_factory=dict)
    can_book: bool = False
    can_carry: bool = False
    can_unlink: bool = False


@register.simple_tag(takes_context=True)
def route_links(context: Any, route: Any, page: Any) -> Links:
    from tutorials.routes import booking, carry_over, group_builder, permissions
    from tutorials.routes.models import Status
    from tutorials.routes.models_groups import GroupItemLink

    user = context["request"].user
    links = Links(
        groups=group_builder.groups_of_route(route),
        can_book=permissions.is_teacher(user, route) and route.status != Status.COMPLETED,
        can_carry=carry_over.can_carry_over(user, route),
        can_unlink=permissions.can_edit(user, route) or permissions.is_methodologist(user),
    )
    links.by_item = {
        link.item_id: link
        for link in GroupItemLink.objects.filter(item__route=route).select_related("member__group")
    }
    if links.can_book:
        links.slots = booking.next_slots(page.items)
    return links


@dataclass
class ItemLinks:
    link: Any
    slots: list[Any]
    bookable: bool


@register.simple_tag
def item_links(links: Links, item: Any) -> ItemLinks:
    from tutorials.routes.booking import BOOKABLE

    return ItemLinks(
        link=links.by_item.get(item.pk),
        slots=links.slots.get(item.pk, []),
        bookable=links.can_book and item.target_kind in BOOKABLE and item.target_id is not None,
    )


@register.simple_tag(takes_context=True)
def is_methodologist(context: Any) -> bool:
    from tutorials.routes import permissions

    return permissions.is_methodologist(context["request"].user)
