"""The admin in a real browser: Debian's Chromium driven by Playwright against live_server.

Each test clicks through the admin as staff would and then checks the public
API over HTTP. Without Chromium (``/usr/bin/chromium`` or ``CHROMIUM_PATH``) or
the ``playwright`` package the tests skip; with ``REQUIRE_BROWSER=1`` (CI) they
fail instead.
"""

import json
import os
import re
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
import requests

from accounts import services as account_services
from accounts.models import LoginSession
from rules.models import PublishedRule
from templates_app.models import RuleTemplate
from vitals.models import WebVitalEvent

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # a fresh laptop without requirements-dev.txt installed
    expect = sync_playwright = None

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
# Generous: two cores shared with PostgreSQL and the rest of the suite.
TIMEOUT_MS = 20_000
FAILURES_DIR = Path(__file__).resolve().parents[2] / ".data" / "browser-failures"

STAFF_EMAIL = "staff@example.org"
STAFF_PASSWORD = "correct horse battery"
VALID_BODY = {
    "sections": [
        {"categoryName": "Values", "entries": [{"title": "Care", "body": "We look after each other."}]},
        {"categoryName": "Conflict management", "entries": []},
    ]
}


def _unavailable() -> str | None:
    if sync_playwright is None:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


@pytest.fixture(scope="module")
def _orm_beside_playwright():
    """Let the test thread use the ORM while Playwright runs.

    Playwright's sync API keeps an asyncio loop running in this thread from start
    to stop, and Django refuses ORM calls under a running loop unless told
    otherwise. Scoped to exactly the module's Playwright lifetime.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_orm_beside_playwright):
    """One headless Chromium for the module; skips (or fails under REQUIRE_BROWSER=1) without one."""
    reason = _unavailable()
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Full-strength PBKDF2 would cost ~0.5 s per sign-in in the live server."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context per test.

    A JavaScript error, a failed static file or any 5xx fails the test; a failed
    test leaves a screenshot of its page in .data/browser-failures/.
    """
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems = []

    def check_response(response):
        if response.status >= 500 or ("/static/" in response.url and response.status >= 400):
            problems.append(f"{response.status} for {response.request.method} {response.url}")

    tab.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    tab.on("response", check_response)
    failed_before = request.session.testsfailed
    yield tab
    try:
        if request.session.testsfailed > failed_before:
            FAILURES_DIR.mkdir(parents=True, exist_ok=True)
            shot = FAILURES_DIR / f"{request.node.name}.png"
            tab.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failing page: {shot}", file=sys.stderr)
    finally:
        context.close()
    assert problems == []


@pytest.fixture
def staff(make_user):
    return make_user(STAFF_EMAIL, password=STAFF_PASSWORD, is_staff=True, is_superuser=True)


def log_in(page, email, password):
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def admin_page(page, staff):
    """``page`` signed in to the admin as a superuser, through the login form."""
    log_in(page, STAFF_EMAIL, STAFF_PASSWORD)
    expect(page.locator("#user-tools")).to_contain_text(STAFF_EMAIL)
    return page


def api_get(live_server, path, **kwargs):
    return requests.get(f"{live_server.url}{path}", timeout=15, **kwargs)


def run_action(page, changelist, row_text, action_label):
    """On ``changelist``, tick the row showing ``row_text``, pick the action and press Go."""
    page.goto(changelist)
    page.locator("#result_list tr", has_text=row_text).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Go").click()


# --- Sign-in -----------------------------------------------------------------


def test_staff_login_reaches_the_admin_index(page, staff, live_server):
    page.goto("/admin/")

    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    log_in(page, STAFF_EMAIL, STAFF_PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page).to_have_title("Administration | Community Rule admin")
    expect(page.locator("#site-name")).to_have_text("Community Rule admin")
    templates_link = page.locator("#templates_app-ruletemplate").get_by_role("link", name="Rule templates")
    expect(templates_link).to_be_visible()


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page, staff, make_user):
    make_user("member@example.org", password=STAFF_PASSWORD)  # right password, not staff

    log_in(page, STAFF_EMAIL, "not the password")

    error = page.locator(".errornote")
    expect(error).to_contain_text("Please enter the correct email and password for a staff account")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.get_by_label("Email")).to_have_value(STAFF_EMAIL)

    log_in(page, "member@example.org", STAFF_PASSWORD)

    expect(error).to_contain_text("Please enter the correct email and password for a staff account")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))


# --- Templates -----------------------------------------------------------------


def test_template_with_invalid_json_is_refused_then_saved_once_fixed(admin_page, live_server):
    page = admin_page
    page.locator("#templates_app-ruletemplate").get_by_role("link", name="Rule templates").click()
    page.get_by_role("link", name="Add rule template").click()
    expect(page).to_have_url(re.compile(r"/admin/templates_app/ruletemplate/add/$"))

    page.locator("#id_title").press_sequentially("Open circle")
    expect(page.locator("#id_slug")).to_have_value("open-circle")  # the admin's prepopulate JS
    page.locator("#id_category").fill("Consensus")
    page.locator("#id_description").fill("A circle anyone may join.")
    page.locator("#id_published").check()
    broken = '{"sections": ['
    page.locator("#id_body").fill(broken)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".field-body .errorlist")).to_have_text(
        "Invalid JSON: Malformed JSON: Expecting value: line 1 column 15 (char 14)"
    )
    expect(page.locator("#id_body")).to_have_value(broken)  # kept for fixing
    assert RuleTemplate.objects.count() == 0

    # Valid JSON of the wrong shape is refused too.
    page.locator("#id_body").fill('{"sections": [{"categoryName": "Snacks", "entries": []}]}')
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".field-body .errorlist")).to_contain_text("sections[0].categoryName must be one of")
    assert RuleTemplate.objects.count() == 0

    page.locator("#id_body").fill(json.dumps(VALID_BODY))
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    expect(page).to_have_url(f"{live_server.url}/admin/templates_app/ruletemplate/")
    expect(page.locator("#result_list")).to_contain_text("Open circle")
    template = RuleTemplate.objects.get()
    assert (template.slug, template.body, template.published) == ("open-circle", VALID_BODY, True)
    response = api_get(live_server, "/api/templates")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "templates": [
            {
                "id": str(template.id),
                "slug": "open-circle",
                "title": "Open circle",
                "category": "Consensus",
                "description": "A circle anyone may join.",
                "body": VALID_BODY,
                "featured": False,
            }
        ]
    }


# --- Moderation ----------------------------------------------------------------


def test_hiding_a_rule_removes_it_from_the_public_api_and_unhiding_restores_it(
    admin_page, live_server, make_user, staff
):
    page = admin_page
    rule = PublishedRule.objects.create(
        title="Spam offer", owner=make_user("ann@example.org"), document={"sections": []}
    )
    PublishedRule.objects.create(title="Garden", document={"sections": []})
    assert api_get(live_server, f"/api/rules/{rule.id}").status_code == HTTPStatus.OK

    run_action(page, "/admin/rules/publishedrule/", "Spam offer", "Hide selected rules from the public")

    expect(page.locator("h1")).to_have_text("Hide rules")
    expect(page.locator("#content li")).to_have_text(["Spam offer (Published)"])
    page.get_by_label("Moderation note").fill("Advertising, not a rule")
    page.get_by_role("button", name="Hide", exact=True).click()

    expect(page.locator(".messagelist .success")).to_have_text("Hid 1 rule(s).")
    expect(page.locator("#result_list tr", has_text="Spam offer")).to_contain_text("Hidden")
    rule.refresh_from_db()
    assert (rule.status, rule.moderation_note, rule.moderated_by) == (
        "hidden", "Advertising, not a rule", staff
    )
    listing = api_get(live_server, "/api/rules")
    assert [item["title"] for item in listing.json()["rules"]] == ["Garden"]
    hidden = api_get(live_server, f"/api/rules/{rule.id}")
    assert hidden.status_code == HTTPStatus.NOT_FOUND
    assert hidden.json()["error"]["code"] == "not_found"

    run_action(page, "/admin/rules/publishedrule/", "Spam offer", "Unhide selected rules (publish again)")
    page.get_by_label("Moderation note").fill("Checked again: fine")
    page.get_by_role("button", name="Unhide", exact=True).click()

    expect(page.locator(".messagelist .success")).to_have_text("Unhid 1 rule(s).")
    assert api_get(live_server, f"/api/rules/{rule.id}").json()["rule"]["title"] == "Spam offer"
    assert sorted(item["title"] for item in api_get(live_server, "/api/rules").json()["rules"]) == [
        "Garden",
        "Spam offer",
    ]


# --- Users -------------------------------------------------------------------


def signed_in_cookie(user) -> dict:
    """A real API session for ``user``: the ``cr_session`` cookie to send."""
    from django.conf import settings

    _, token = account_services.create_session(user=user)
    return {settings.AUTH_COOKIE_NAME: token}


def test_deactivate_action_ends_the_users_api_session(admin_page, live_server, make_user):
    page = admin_page
    ann = make_user("ann@example.org")
    cookie = signed_in_cookie(ann)
    assert api_get(live_server, "/api/auth/session", cookies=cookie).json() == {
        "user": {"id": str(ann.id), "email": "ann@example.org"}
    }

    run_action(
        page, "/admin/accounts/user/", "ann@example.org", "Deactivate selected users and end their sessions"
    )

    expect(page.locator(".messagelist .success")).to_have_text("Deactivated 1 user(s); ended 1 session(s).")
    assert api_get(live_server, "/api/auth/session", cookies=cookie).json() == {"user": None}
    ann.refresh_from_db()
    assert ann.is_active is False
    assert not LoginSession.objects.filter(user=ann).exists()


def test_unticking_active_on_the_user_page_ends_the_users_api_session(admin_page, live_server, make_user):
    page = admin_page
    bob = make_user("bob@example.org")
    cookie = signed_in_cookie(bob)
    assert api_get(live_server, "/api/auth/session", cookies=cookie).json()["user"] is not None

    page.goto("/admin/accounts/user/")
    page.get_by_role("link", name="bob@example.org").click()
    expect(page.locator(".inline-group")).to_contain_text("Sessions (tick Delete and save to revoke)")
    expect(page.locator(".inline-group tbody tr.has_original")).to_have_count(1)
    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    assert api_get(live_server, "/api/auth/session", cookies=cookie).json() == {"user": None}
    bob.refresh_from_db()
    assert bob.is_active is False


# --- Web vitals ----------------------------------------------------------------


def test_vitals_dashboard_shows_p75_and_rating_split_with_the_chart(admin_page, settings):
    settings.VITALS_STORAGE = "db"
    page = admin_page
    WebVitalEvent.objects.bulk_create(
        [WebVitalEvent(metric="LCP", value=value, rating="good") for value in (1000, 2000, 3000)]
        + [WebVitalEvent(metric="LCP", value=5000, rating="poor")]
        + [WebVitalEvent(metric="INP", value=100, rating="good")]
        + [WebVitalEvent(metric="INP", value=value, rating="needs-improvement") for value in (300, 400)]
        + [WebVitalEvent(metric="INP", value=800, rating="poor")]
    )

    page.goto("/admin/")
    page.get_by_role("link", name="Dashboard", exact=True).click()

    expect(page).to_have_title(re.compile(r"^Web vitals dashboard \|"))
    expect(page.locator(".vitals-empty")).to_have_count(0)
    expect(page.locator("#content-main .help")).to_have_count(0)  # no "Storage is ..." note
    week = page.locator("section.vitals-window", has=page.locator("h2", has_text="Last 7 days"))
    expect(week.locator("h2")).to_have_text("Last 7 days (8 events)")
    # Table: metric, events, p75, good, needs improvement, poor.
    # p75 (linear interpolation): LCP 3000 + 0.25 × 2000; INP 400 + 0.25 × 400.
    expect(week.locator("tbody tr", has_text="LCP").locator("th, td")).to_have_text(
        ["LCP", "4", "3,500 ms", "3 (75.0%)", "0 (0.0%)", "1 (25.0%)"]
    )
    expect(week.locator("tbody tr", has_text="INP").locator("th, td")).to_have_text(
        ["INP", "4", "500 ms", "1 (25.0%)", "2 (50.0%)", "1 (25.0%)"]
    )
    expect(week.locator("tbody tr", has_text="CLS").locator("th, td")).to_have_text(
        ["CLS", "0", "—", "—", "—", "—"]
    )

    # The chart: drawn, with a p75 gauge coloured by rating and the split segments.
    chart = week.locator("svg[role=img]")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    lcp_gauge = chart.locator("rect", has=page.locator("title", has_text="LCP p75 3,500 ms (4 events)"))
    expect(lcp_gauge).to_have_attribute("fill", "#c77c02")  # needs improvement
    expect(chart.locator("rect > title")).to_contain_text(
        ["LCP good: 3 (75.0%)", "LCP poor: 1 (25.0%)", "INP p75 500 ms (4 events)",
         "INP good: 1 (25.0%)", "INP needs-improvement: 2 (50.0%)", "INP poor: 1 (25.0%)"]
    )
    expect(chart.get_by_text("no data")).to_have_count(4)  # CLS, FCP, TTFB, FID
    expect(page.locator(".vitals-legend")).to_contain_text("good")
    expect(page.locator(".vitals-legend")).to_contain_text("needs improvement")
    expect(page.locator(".vitals-legend")).to_contain_text("poor")


def test_api_docs_render_every_route_from_our_own_origin(page, live_server):
    # Not the admin, but the same browser: /api/docs must work with no CDN.
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Community Rule API")
    for path in ("/api/health", "/api/rules/{id}", "/api/templates/{slug}", "/api/web-vitals"):
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]').first).to_be_visible()
    assert requested
    assert [url for url in requested if not url.startswith(live_server.url)] == []
