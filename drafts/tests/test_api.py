import json
from http import HTTPStatus

import pytest

from drafts.models import RuleDraft
from drafts.tests.hostile_bodies import hostile_bodies

URL = "/api/drafts/me"

# What the SPA's create flow saves part-way through, with keys the server does not know.
CREATE_FLOW_PAYLOAD = {
    "title": "Riverside Community Garden — how we run things",
    "summary": "Plots, shared tools and the compost rota.\nWritten by the 2025 committee. 🌱",
    "currentStep": "confirm-stakeholders",
    "sections": [
        {
            "categoryName": "Values",
            "entries": [{"title": "Care", "body": "We look after the soil and each other.", "id": 1}],
        },
        {"categoryName": "Decision-making", "entries": [], "collapsed": True},
    ],
    "stakeholders": [{"name": "Zoë Ñúñez", "role": "coordinator", "email": "zoe@example.org"}],
    "selectedTemplate": "sociocracy",
    "uploads": [],
    "coreValues": {"chosen": ["Care", "Openness"], "custom": None, "weights": [0.5, 1e-7, 12345678901234]},
    "ui": {"rightRail": {"open": False, "tab": "tips"}, "lastSavedAt": "2026-11-28T10:00:00.000Z"},
    "emoji 🎉 key": "ünïcödé \u2028 line separator and \"quotes\" \\ backslash",
}


def test_anonymous_gets_401(api_client, db):
    for response in (api_client.get(URL), api_client.put_json(URL, {"payload": {}})):
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.json()["error"]["code"] == "unauthorized"


def test_no_draft_yet_is_null(signed_in_client):
    response = signed_in_client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"draft": None}


def test_create_flow_payload_round_trips_exactly(signed_in_client):
    body = json.dumps({"payload": CREATE_FLOW_PAYLOAD}, ensure_ascii=False)

    saved = signed_in_client.put(URL, body.encode(), content_type="application/json")
    read = signed_in_client.get(URL)

    assert saved.status_code == HTTPStatus.OK
    draft = RuleDraft.objects.get()
    expected = {"draft": {"payload": CREATE_FLOW_PAYLOAD, "updatedAt": draft.updated_at.isoformat().replace("+00:00", "Z")}}
    assert saved.json() == expected
    assert read.json() == expected
    assert draft.payload == CREATE_FLOW_PAYLOAD
    # Same text once key order is normalised: numbers, unicode and escapes unchanged.
    assert json.dumps(read.json()["draft"]["payload"], sort_keys=True) == json.dumps(
        CREATE_FLOW_PAYLOAD, sort_keys=True
    )


def test_put_replaces_the_one_draft(signed_in_client):
    signed_in_client.put_json(URL, {"payload": {"title": "First"}})
    first_saved = RuleDraft.objects.get().updated_at

    response = signed_in_client.put_json(URL, {"payload": {"title": "Second", "currentStep": "review"}})

    assert response.status_code == HTTPStatus.OK
    draft = RuleDraft.objects.get()
    assert draft.payload == {"title": "Second", "currentStep": "review"}
    assert draft.updated_at > first_saved


def test_drafts_are_per_user(signed_in_client, api_client, make_user, sign_in):
    sign_in(api_client, make_user())
    signed_in_client.put_json(URL, {"payload": {"title": "Mine"}})

    assert api_client.get(URL).json() == {"draft": None}
    api_client.put_json(URL, {"payload": {"title": "Theirs"}})
    assert signed_in_client.get(URL).json()["draft"]["payload"] == {"title": "Mine"}
    assert RuleDraft.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "details"),
    [
        ({"title": "x" * 501}, {"payload.title": ["Ensure this field has no more than 500 characters."]}),
        ({"title": 5}, {"payload.title": ["Must be a string."]}),
        ({"title": None}, {"payload.title": ["This field may not be null."]}),
        ({"summary": "x" * 8001}, {"payload.summary": ["Ensure this field has no more than 8000 characters."]}),
        ({"summary": ["no"]}, {"payload.summary": ["Must be a string."]}),
        ({"currentStep": "launch"}, {"payload.currentStep": ['"launch" is not a valid choice.']}),
        ({"sections": {"a": 1}}, {"payload.sections": ['Expected a list of items but got type "dict".']}),
        ({"stakeholders": "everyone"}, {"payload.stakeholders": ['Expected a list of items but got type "str".']}),
        (
            {"title": 1, "currentStep": "x", "extra": "fine"},
            {"payload.title": ["Must be a string."], "payload.currentStep": ['"x" is not a valid choice.']},
        ),
    ],
)
def test_known_keys_are_checked(signed_in_client, payload, details):
    response = signed_in_client.put_json(URL, {"payload": payload})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "error": {"code": "validation_error", "message": "Request validation failed."},
        "details": details,
    }
    assert not RuleDraft.objects.exists()


def test_limits_are_inclusive(signed_in_client):
    payload = {"title": "t" * 500, "summary": "s" * 8000, "currentStep": "completed", "sections": [], "stakeholders": []}

    assert signed_in_client.put_json(URL, {"payload": payload}).status_code == HTTPStatus.OK


@pytest.mark.parametrize("body", [{"payload": []}, {"payload": "text"}, {"payload": None}, {}, [], {"draft": {}}])
def test_payload_must_be_an_object(signed_in_client, body):
    response = signed_in_client.put_json(URL, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] == "validation_error"
    assert not RuleDraft.objects.exists()


@pytest.mark.parametrize(
    ("name", "raw"), hostile_bodies(lambda value: '{"payload": {"title": "ok", "extra": ' + value + "}}")
)
def test_json_safety_rejections_leave_no_row(signed_in_client, name, raw):
    response = signed_in_client.put(URL, raw, content_type="application/json")

    assert response.status_code == HTTPStatus.BAD_REQUEST, name
    assert response.json()["error"]["code"] in {"invalid_json", "validation_error"}
    assert not RuleDraft.objects.exists()


def test_non_json_content_type_is_415(signed_in_client):
    response = signed_in_client.put(URL, "payload=1", content_type="application/x-www-form-urlencoded")

    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert not RuleDraft.objects.exists()


def test_trailing_slash_is_404_not_a_redirect(signed_in_client):
    response = signed_in_client.get(URL + "/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"]["code"] == "not_found"


def test_query_budgets(signed_in_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert signed_in_client.put_json(URL, {"payload": CREATE_FLOW_PAYLOAD}).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(3):
        assert signed_in_client.put_json(URL, {"payload": {"title": "again"}}).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(2):
        assert signed_in_client.get(URL).status_code == HTTPStatus.OK
