"""Fixtures for the browser tests: Debian's Chromium driven by Playwright.

Every test here runs against pytest-django's `live_server`, which makes the
test transactional, so the rows that a test creates are committed and the
server thread sees them. Use `sign_in(user)` to get a page that is signed in
to the back office, or `page` for one that is not.
"""

import os
from pathlib import Path

import pytest
from django.apps import apps

from saas_manager.core.roles import sync_groups

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The password that tests.factories.UserFactory gives every user.
STAFF_PASSWORD = "correct-horse-battery"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="package")
def browser():
    """Start Chromium once for the browser tests, or skip them without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"the browser tests need Debian's Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio event loop in this thread, and
    # Django rejects database queries from such a thread unless this is set.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage of production needs `collectstatic` first; the
    # live server finds the files in the apps instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _staff_groups(transactional_db):
    # A transactional test ends with a flush, which empties auth_group, and
    # the post_migrate signal that flush sends skips the core app because it
    # has no models module, so the groups are made again here.
    sync_groups(
        apps.get_model("auth", "Group"),
        apps.get_model("auth", "Permission"),
        apps.get_model("contenttypes", "ContentType"),
    )


@pytest.fixture
def page(browser, live_server):
    """Open a fresh browser context, without cookies, on the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": 1400, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def sign_in(page):
    """Return a function that signs a staff user in and returns the page."""

    def sign_in_as(user, password: str = STAFF_PASSWORD):
        page.goto("/admin/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.locator("form [type=submit]").click()
        page.wait_for_url(lambda url: "/admin/login/" not in url)
        return page

    return sign_in_as
