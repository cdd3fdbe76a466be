import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from vitals import charts
from vitals.models import WebVitalEvent

DASHBOARD = "/admin/vitals/webvitalsdashboard/"
EVENTS = "/admin/vitals/webvitalevent/"


def make_events(metric, values, rating="good", *, age=timedelta(0)):
    events = WebVitalEvent.objects.bulk_create(
        WebVitalEvent(metric=metric, value=value, rating=rating) for value in values
    )
    if age:
        WebVitalEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            created_at=timezone.now() - age
        )


def section(html: str, days: int) -> str:
    """The dashboard's section for one window."""
    start = html.index(f"<h2>Last {days} days")
    end = html.find('<section class="vitals-window">', start)
    return html[start : end if end != -1 else len(html)]


def svg_charts(html: str) -> list[ET.Element]:
    """The dashboard's inline SVG charts, parsed (so they must be well-formed XML)."""
    found = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" role="img".*?</svg>', html, re.S)
    return [ET.fromstring(svg) for svg in found]


def test_admin_index_links_to_the_dashboard(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == HTTPStatus.OK
    assert f'href="{DASHBOARD}"' in response.content.decode()


def test_dashboard_empty_state(staff_client, settings):
    settings.VITALS_STORAGE = "db"

    response = staff_client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "No web vitals stored in the last 30 days." in html
    assert len(svg_charts(html)) == 2
    assert html.count("no data") == 12  # six metrics, two windows
    assert "Storage is" not in html


def test_dashboard_draws_p75_and_rating_split_per_window(staff_client, settings):
    settings.VITALS_STORAGE = "db"
    make_events("LCP", [1000, 2000, 3000], "good")
    make_events("LCP", [5000], "poor")
    make_events("CLS", [0.3], "poor", age=timedelta(days=20))

    response = staff_client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "No web vitals stored" not in html
    last_week, last_month = section(html, 7), section(html, 30)
    assert len(svg_charts(html)) == 2
    # p75 of 1000, 2000, 3000, 5000 = 3000 + 0.25 × 2000 = 3500 ms: needs improvement (orange).
    for window in (last_week, last_month):
        assert "LCP p75 3,500 ms (4 events)" in window
        assert "LCP good: 3 (75.0%)" in window
        assert "LCP poor: 1 (25.0%)" in window
        assert "LCP needs-improvement" not in window  # empty segments are not drawn
    assert re.search(r'fill="#c77c02">\s*<title>LCP p75', last_week)
    # The 20-day-old CLS event is only in the 30-day window.
    assert "CLS p75" not in last_week
    assert "CLS p75 0.300 (1 events)" in last_month
    assert "(4 events)</small>" in last_week
    assert "(5 events)</small>" in last_month


def test_dashboard_explains_other_storage_modes(staff_client, settings):
    settings.VITALS_STORAGE = "log"

    html = staff_client.get(DASHBOARD).content.decode()

    assert "Storage is <code>log</code>" in html


def test_dashboard_needs_staff(client, make_user):
    user = make_user(password="correct horse battery")
    client.force_login(user)

    assert client.get(DASHBOARD).status_code == HTTPStatus.FOUND  # admin login page


def test_event_list_is_read_only_and_links_to_dashboard(staff_client):
    make_events("INP", [120])
    event = WebVitalEvent.objects.get()

    listing = staff_client.get(EVENTS)
    detail = staff_client.get(f"{EVENTS}{event.pk}/change/")

    assert listing.status_code == HTTPStatus.OK
    assert f'href="{DASHBOARD}"' in listing.content.decode()
    assert "INP" in listing.content.decode()
    assert detail.status_code == HTTPStatus.OK
    assert 'name="_save"' not in detail.content.decode()
    assert staff_client.get(f"{EVENTS}add/").status_code == HTTPStatus.FORBIDDEN
    assert (
        staff_client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert WebVitalEvent.objects.count() == 1


def stats(p75, good, needs_improvement, poor):
    return {
        "count": good + needs_improvement + poor,
        "p75": p75,
        "good_count": good,
        "needs_improvement_count": needs_improvement,
        "poor_count": poor,
    }


def test_chart_geometry():
    chart = charts.window_chart(
        days=7,
        summary={"LCP": stats(2000, 2, 1, 1), "CLS": stats(99.0, 0, 0, 3)},
    )

    rows = {row.metric: row for row in chart.rows}
    assert [row.metric for row in chart.rows] == ["LCP", "INP", "CLS", "FCP", "TTFB", "FID"]
    assert chart.total == 7
    lcp = rows["LCP"]
    # The gauge spans 0-6000 ms (1.5 × the 4000 ms poor threshold) over 260 px.
    assert (lcp.gauge_width, lcp.good_x - chart.gauge_x, lcp.poor_x - chart.gauge_x) == (
        pytest.approx(2000 / 6000 * 260, abs=0.1),
        pytest.approx(2500 / 6000 * 260, abs=0.1),
        pytest.approx(4000 / 6000 * 260, abs=0.1),
    )
    assert lcp.gauge_colour == charts.COLOURS["good"]
    assert [(s.rating, s.percent, s.width) for s in lcp.segments] == [
        ("good", 50.0, 130.0),
        ("needs-improvement", 25.0, 65.0),
        ("poor", 25.0, 65.0),
    ]
    assert [s.x for s in lcp.segments] == [chart.split_x, chart.split_x + 130, chart.split_x + 195]
    # A p75 beyond the scale is clipped to the bar, coloured poor.
    assert rows["CLS"].gauge_width == chart.bar_width
    assert rows["CLS"].gauge_colour == charts.COLOURS["poor"]
    assert rows["CLS"].p75_text == "99.000"
    assert rows["INP"].count == 0 and rows["INP"].segments is None
