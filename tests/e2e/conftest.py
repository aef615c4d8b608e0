"""Browser fixtures for every browser test in tests/e2e: Debian's Chromium, launched once.

Use ``browser_page`` (and ``admin_login``) rather than pytest-playwright's ``page``: the browser
here lives only while the tests of this folder run. Playwright's sync API keeps an event loop
running in the test thread, where Django refuses the ORM unless DJANGO_ALLOW_ASYNC_UNSAFE is
set; both the loop and that variable end with this folder, so the rest of the suite (and
``check --deploy`` run from it) never sees them.
"""

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
# The machine has no outside network: nothing may try to reach it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
NARROWEST = {"width": 320, "height": 800}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Should pytest-playwright's own fixtures be used, they launch Debian's Chromium too."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="package")
def browser():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def browser_page(browser, live_server):
    """A fresh page in a desktop-sized Japanese browser context whose base URL is the live
    server: ``browser_page.goto("/reports/")``."""
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport=DESKTOP, accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def admin_login(django_user_model):
    """Log a page into the admin, as a new superuser unless a user is given:
    ``admin_login(browser_page)`` or ``admin_login(browser_page, editor, "password")``."""

    def login(page, user=None, password="password"):
        if user is None:
            user = django_user_model.objects.create_superuser(
                "browser-admin", "browser-admin@example.invalid", password
            )
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        return user

    return login
