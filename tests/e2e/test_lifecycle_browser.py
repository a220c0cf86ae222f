"""A Support user suspends and reactivates an instance from its page."""

import pytest
from playwright.sync_api import expect

from saas_manager.core import roles
from saas_manager.hosting.models import InstanceState
from tests.factories import UserFactory
from tests.hosting.states import instance_in

pytestmark = pytest.mark.browser


def run_button(page, label: str, reason: str = "") -> None:
    """Click a button of the instance page, fill its dialog and submit it."""
    page.locator("a", has_text=label).first.click()
    dialog = page.locator("#dialog")
    expect(dialog).to_be_visible()
    if reason:
        dialog.locator("textarea[name=reason]").fill(reason)
    dialog.locator("button[type=submit]").click()


def test_support_suspends_and_reactivates(sign_in):
    support = UserFactory(username="support-browser", group=roles.SUPPORT)
    instance = instance_in(InstanceState.ACTIVE, database_name="nordwind-prod")
    page = sign_in(support)
    page.goto(f"/admin/hosting/instance/{instance.pk}/change/")
    history = page.locator("#instance-history")

    run_button(page, "Suspend", reason="Abuse report from the host")
    page.wait_for_load_state("load")

    expect(page.locator("#instance-state")).to_contain_text("Suspended")
    expect(page.locator("body")).to_contain_text(
        "Instance nordwind-prod moved from Active to Suspended."
    )
    expect(history.locator("tbody")).to_have_count(1)
    expect(history).to_contain_text("Abuse report from the host")
    expect(history).to_contain_text("support-browser")

    run_button(page, "Reactivate", reason="Host cleared the report")
    page.wait_for_load_state("load")

    expect(page.locator("body")).to_contain_text(
        "Instance nordwind-prod moved from Suspended to Active."
    )
    expect(page.locator("#instance-state")).to_contain_text("Active")
    expect(history.locator("tbody")).to_have_count(2)
    first_row = history.locator("tbody").first
    expect(first_row).to_contain_text("Suspended")
    expect(first_row).to_contain_text("Active")
    expect(first_row).to_contain_text("Host cleared the report")
    instance.refresh_from_db()
    assert instance.state == InstanceState.ACTIVE
    assert instance.events.count() == 2
