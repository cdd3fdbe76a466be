from http import HTTPStatus

from rules.models import PublishedRule

CHANGELIST = "/admin/rules/publishedrule/"


def action(client, name, rules, **extra):
    data = {"action": name, "_selected_action": [str(rule.pk) for rule in rules], **extra}
    return client.post(CHANGELIST, data)


def test_hide_asks_for_a_note_then_hides_and_the_api_stops_showing_it(staff_client, api_client, make_rule):
    rule, other = make_rule("Spam offer", age_minutes=1), make_rule("Garden")
    assert api_client.get(f"/api/rules/{rule.id}").status_code == HTTPStatus.OK

    confirm = action(staff_client, "hide", [rule])

    assert confirm.status_code == HTTPStatus.OK
    assert "Moderation note" in confirm.content.decode()
    assert PublishedRule.objects.get(pk=rule.pk).status == "published"

    done = action(staff_client, "hide", [rule], apply="1", note="Advertising, not a rule")

    assert done.status_code == HTTPStatus.FOUND
    rule.refresh_from_db()
    assert (rule.status, rule.moderation_note, rule.moderated_by) == ("hidden", "Advertising, not a rule", staff_client.user)
    assert rule.moderated_at is not None
    assert api_client.get(f"/api/rules/{rule.id}").status_code == HTTPStatus.NOT_FOUND
    assert [item["id"] for item in api_client.get("/api/rules").json()["rules"]] == [str(other.id)]

    action(staff_client, "unhide", [rule], apply="1", note="Checked again: fine")

    rule.refresh_from_db()
    assert (rule.status, rule.moderation_note) == ("published", "Checked again: fine")
    assert api_client.get(f"/api/rules/{rule.id}").status_code == HTTPStatus.OK
    assert len(api_client.get("/api/rules").json()["rules"]) == 2


def test_too_long_note_is_a_form_error(staff_client, make_rule):
    rule = make_rule()

    response = action(staff_client, "hide", [rule], apply="1", note="x" * 2001)

    assert response.status_code == HTTPStatus.OK
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    rule.refresh_from_db()
    assert rule.status == "published"


def test_search_and_filters(staff_client, make_user, make_rule):
    make_rule("Garden rule", owner=make_user("ann@example.org"))
    make_rule("Choir rule", summary="We sing", status="hidden")

    by_email = staff_client.get(CHANGELIST, {"q": "ann@example"}).content.decode()
    by_summary = staff_client.get(CHANGELIST, {"q": "sing"}).content.decode()
    hidden = staff_client.get(CHANGELIST, {"status__exact": "hidden"}).content.decode()

    assert "Garden rule" in by_email and "Choir rule" not in by_email
    assert "Choir rule" in by_summary and "Garden rule" not in by_summary
    assert "Choir rule" in hidden and "Garden rule" not in hidden


def test_detail_shows_the_document_pretty_printed(staff_client, make_rule):
    rule = make_rule(document={"sections": [{"categoryName": "Values"}]})

    page = staff_client.get(f"{CHANGELIST}{rule.pk}/change/").content.decode()

    assert "<pre>{\n  &quot;sections&quot;: [\n    {\n      &quot;categoryName&quot;: &quot;Values&quot;" in page


def test_delete(staff_client, make_rule):
    rule = make_rule()

    response = staff_client.post(f"{CHANGELIST}{rule.pk}/delete/", {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not PublishedRule.objects.exists()
