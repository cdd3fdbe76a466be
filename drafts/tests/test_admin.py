from http import HTTPStatus

from drafts import services

CHANGELIST = "/admin/drafts/ruledraft/"


def test_drafts_are_listed_and_shown_pretty_printed_read_only(staff_client, make_user):
    owner = make_user("ann@example.org")
    draft = services.save_draft(user=owner, payload={"title": "Garden <rule>", "sections": [{"n": 1}]})

    listing = staff_client.get(CHANGELIST)
    detail = staff_client.get(f"{CHANGELIST}{draft.pk}/change/")

    assert listing.status_code == HTTPStatus.OK
    assert "ann@example.org" in listing.content.decode()
    assert detail.status_code == HTTPStatus.OK
    page = detail.content.decode()
    assert '<pre>{\n  &quot;sections&quot;: [\n    {\n      &quot;n&quot;: 1' in page
    assert "Garden &lt;rule&gt;" in page
    assert 'name="_save"' not in page


def test_drafts_cannot_be_added_or_edited(staff_client, make_user):
    draft = services.save_draft(user=make_user(), payload={"title": "keep"})

    assert staff_client.get(f"{CHANGELIST}add/").status_code == HTTPStatus.FORBIDDEN
    response = staff_client.post(f"{CHANGELIST}{draft.pk}/change/", {"payload": "{}"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    draft.refresh_from_db()
    assert draft.payload == {"title": "keep"}
