import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium is started without the services that would try to reach the network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser():
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium est introuvable : installez le paquet Debian « chromium ».")
        pytest.skip("Chromium n'est pas installé (paquet Debian « chromium ») : test de bout en bout ignoré.")
    # Playwright runs its own event loop; Django's ORM is only used before and after the browser session.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
