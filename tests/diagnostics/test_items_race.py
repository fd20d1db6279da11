"""An edit racing the campaign that freezes the version: committed data, two connections."""

from __future__ import annotations

import threading
import uuid

from django.db import connection
from django_tenants.utils import tenant_context

from tests.conftest import District
from tutorials.diagnostics import services
from tutorials.diagnostics.models import Item, ItemType, ItemVersion

from .factories import BODIES, bank_codifier, make_item, methodologist


def test_an_edit_racing_the_campaign_that_freezes_the_version_never_changes_a_used_version(
    district: District, committed_db: None
) -> None:
    with tenant_context(district.centre):
        actor, codifier = (
            methodologist(district.centre),
            bank_codifier(subject_code=f"math-race-{uuid.uuid4().hex[:8]}"),
        )
        item = make_item(actor=actor, codifier=codifier)
        first = item.current_version
        assert first is not None
        topics = [t.pk for t in first.topics.all()]
    errors: list[BaseException] = []

    def edit() -> None:
        try:
            with tenant_context(district.centre):
                services.item_update(
                    item=Item.objects.get(pk=item.pk),
                    text="<p>Правка</p>",
                    body=BODIES[ItemType.SINGLE],
                    topics=topics,
                    actor=actor,
                )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def freeze() -> None:
        try:
            with tenant_context(district.centre):
                services.versions_mark_used([first.pk])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit), threading.Thread(target=freeze)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with tenant_context(district.centre):
        first.refresh_from_db()
        assert first.used_at is not None
        # Either the edit came first (v1 changed while unused, then frozen) or the freeze did
        # (v1 untouched and the edit made v2): never an edit after freezing.
        versions = list(ItemVersion.objects.filter(item_id=item.pk).order_by("number"))
        if len(versions) == 1:
            assert first.text == "<p>Правка</p>"
        else:
            assert first.text.startswith("<p>Найдите") and versions[1].text == "<p>Правка</p>"
        Item.objects.filter(pk=item.pk).delete()
