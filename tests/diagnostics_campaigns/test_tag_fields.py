"""Issue 14: the campaign wizard's schools, items and topics are searchable tag fields."""

from __future__ import annotations

from tests.conftest import client_for
from tests.portal.tag_fields import assert_tag_fields

from .helpers import Cast, make_items


def test_the_wizard_offers_schools_items_and_topics_as_tags(cast: Cast) -> None:
    versions = make_items(cast)
    client = client_for(cast.user("methodologist"), "centre.localhost")
    page = client.get(f"/diagnostics/campaigns/new/?subject={cast.subject.pk}").content.decode()
    assert_tag_fields(page, "audience_school_ids", "version_ids", "blueprint_topic_ids")
    assert all(f'<option value="{v.pk}"' in page for v in versions.values())
