"""Every record's page links to its audit history in unfold's look."""

import pytest
from django.urls import reverse

from tests.admin.test_permissions import ADMIN_URLS, make_record

pytestmark = pytest.mark.django_db


# Tag keeps no simple-history records; its page shows Django's change log.
TRACKED = [model for model in ADMIN_URLS if model != "tag"]


@pytest.mark.parametrize("model", TRACKED)
def test_history_page_lists_changes(reader_client, model):
    record, _ = make_record(model)
    url = reverse(f"admin:{ADMIN_URLS[model]}_history", args=[record.pk])

    response = reader_client.get(url)

    assert response.status_code == 200
    assert len(response.context["page_obj"].object_list) == 1
    templates = [template.origin.name for template in response.templates]
    assert any("unfold/contrib/simple_history" in name for name in templates)


@pytest.mark.parametrize("model", ADMIN_URLS)
def test_change_page_links_history(reader_client, model):
    record, _ = make_record(model)
    change = reverse(f"admin:{ADMIN_URLS[model]}_change", args=[record.pk])

    response = reader_client.get(change)

    history = reverse(f"admin:{ADMIN_URLS[model]}_history", args=[record.pk])
    assert history in response.text
