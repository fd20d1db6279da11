"""The dashboard's card for the question bank and the codifiers (``{% question_bank_card %}``)."""

from __future__ import annotations

from typing import Any

from django import template

from codifier.permissions import can_manage_codifiers
from tutorials.diagnostics.permissions import can_use_bank

register = template.Library()


@register.inclusion_tag("diagnostics/_dashboard_card.html", takes_context=True)
def question_bank_card(context: Any) -> dict[str, Any]:
    membership = context.get("membership")
    return {
        "can_use_bank": can_use_bank(membership),
        "can_manage_codifiers": can_manage_codifiers(membership),
    }
