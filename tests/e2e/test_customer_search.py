import pytest
from playwright.sync_api import expect

from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.browser


def test_sign_in_reaches_dashboard(sign_in, manager, live_server):
    page = sign_in(manager)

    assert page.url == f"{live_server.url}/admin/"
    expect(page.locator("body")).to_contain_text("SaaS Manager")


def test_sign_in_wrong_password(page, manager):
    page.goto("/admin/login/")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", "not-the-password")

    page.locator("form [type=submit]").click()

    assert "/admin/login/" in page.url
    expect(page.locator("body")).to_contain_text("correct username and password")


def test_search_opens_customer(sign_in, manager):
    customer = CustomerFactory(name="Nordwind Logistik", legal_name="Nordwind GmbH")
    ContactFactory(customer=customer, name="Anna Müller", job_title="Accountant")
    CustomerFactory(name="Atelier Lumière")
    page = sign_in(manager)

    page.goto("/admin/customers/customer/")
    page.fill("input[name=q]", "Nordwind")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=Nordwind**")
    results = page.locator("#result_list")

    expect(results).to_contain_text("Nordwind Logistik")
    expect(results).not_to_contain_text("Atelier Lumière")

    results.get_by_role("link", name="Nordwind Logistik").first.click()
    change_path = f"/admin/customers/customer/{customer.pk}/change/"
    page.wait_for_url(lambda url: change_path in url)

    expect(page.locator("input[name=name]")).to_have_value("Nordwind Logistik")
    expect(page.locator("#contacts-group")).to_be_attached()
    expect(page.locator("input[name=contacts-0-name]")).to_have_value("Anna Müller")
