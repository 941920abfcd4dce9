"""Playwright driving the machine's Chromium (never a downloaded browser), with axe-core."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import expect

from tests.conftest import chromium_path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a-long-test-password"  # The factories' password for everyone.


@pytest.fixture
def browser_page(live_server, monkeypatch):
    yield from _phone_page(monkeypatch, javascript=True)


@pytest.fixture
def browser_page_without_javascript(live_server, monkeypatch):
    """Every flow works without JavaScript (progressive enhancement): a page with it off."""
    yield from _phone_page(monkeypatch, javascript=False)


def _phone_page(monkeypatch, *, javascript: bool):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between page actions are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, java_script_enabled=javascript
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        # The Content-Security-Policy forbids inline scripts and styles: Chromium reports
        # whatever it refused on the console, and any such report fails the test.
        refused = []
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        try:
            yield page
            assert refused == [], f"refused by the Content-Security-Policy: {refused}"
        finally:
            context.close()
            browser.close()
            # The ORM calls made between page actions ran on a connection of their own
            # (Playwright's loop gives them another context): close it, or it outlives
            # the test and holds the test database open at teardown.
            connections.close_all()


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.2 A/AA rules on the page; return the violations."""
    assert AXE.exists(), "axe-core is missing: run make frontend (npm ci)"
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (a
    # script tag added to the page would be an inline script, and refused).
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'wcag22aa']}
        })"""
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in results["violations"]
    ]


def assert_accessible(page):
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def sign_in(page, email: str, *, check_accessibility: bool = True):
    """Fill in the sign-in page the browser is on (checked for accessibility, which needs
    JavaScript to run axe-core)."""
    if check_accessibility:
        assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Signed in once the next page has the sign-out form: only then may a test go elsewhere.
    expect(page.locator('form[action="/account/sign-out/"]')).to_be_attached()


def screenshot(page, name: str) -> Path:
    """A full-page picture under var/screenshots/, for people to look at after a run."""
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
