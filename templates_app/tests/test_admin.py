import json
from http import HTTPStatus

import pytest

from templates_app.models import RuleTemplate

CHANGELIST = "/admin/templates_app/ruletemplate/"
VALID_BODY = {
    "sections": [
        {"categoryName": "Values", "entries": [{"title": "Care", "body": "We look after each other."}]},
        {"categoryName": "Conflict management", "entries": []},
    ]
}


def form_data(**overrides):
    data = {
        "title": "Open circle",
        "slug": "open-circle",
        "category": "Consensus",
        "description": "A circle anyone may join.",
        "body": json.dumps(VALID_BODY),
        "sort_order": "3",
        "featured": "on",
        "published": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_add_page_prefills_the_slug_from_the_title(staff_client):
    page = staff_client.get(f"{CHANGELIST}add/").content.decode()

    assert "&quot;dependency_ids&quot;: [&quot;#id_title&quot;]" in page
    assert 'data-prepopulated-fields="[{&quot;id&quot;: &quot;#id_slug&quot;' in page


def test_create_a_template(staff_client, api_client):
    response = staff_client.post(f"{CHANGELIST}add/", form_data())

    assert response.status_code == HTTPStatus.FOUND
    template = RuleTemplate.objects.get()
    assert (template.slug, template.body, template.featured, template.published, template.sort_order) == (
        "open-circle", VALID_BODY, True, True, 3
    )
    assert api_client.get("/api/templates/open-circle").json()["template"]["body"] == VALID_BODY


def test_body_is_shown_as_formatted_json(staff_client, make_template):
    template = make_template("c", body=VALID_BODY)

    page = staff_client.get(f"{CHANGELIST}{template.pk}/change/").content.decode()

    # Indented JSON (PostgreSQL's jsonb decides the key order).
    assert "{\n  &quot;sections&quot;: [\n    {\n      &quot;" in page
    assert "&quot;categoryName&quot;: &quot;Conflict management&quot;" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "Invalid JSON: Malformed JSON"),
        ('{"sections": [], }', "Invalid JSON: Malformed JSON"),
        ("[" * 100_000 + "]" * 100_000, "Invalid JSON: JSON nests deeper than 40 levels."),
        ('{"sections": [], "x": NaN}', "Invalid JSON: NaN is not allowed in JSON."),
        ('{"sections": [], "x": 1e400}', "Invalid JSON: Number out of range."),
        ('{"sections": [], "__proto__": {}}', "The key &quot;__proto__&quot; is not allowed."),
        ('{"sections": [], "x": "a\\u0000"}', "String contains the NUL character."),
        ('{"sections": [], "x": "' + "a" * 50_001 + '"}', "String is longer than 50000 characters."),
        ('["sections"]', "Body must be an object with a &quot;sections&quot; list."),
        ('{"sections": {}}', "Body must be an object with a &quot;sections&quot; list."),
        ('{"sections": [{"categoryName": "Vibes", "entries": []}]}', "sections[0].categoryName must be one of"),
        ('{"sections": [{"categoryName": "Values"}]}', "sections[0] must have an &quot;entries&quot; list."),
        (
            '{"sections": [{"categoryName": "Values", "entries": [{"title": "t", "body": 3}]}]}',
            "sections[0].entries[0] must be an object with string &quot;title&quot; and &quot;body&quot;.",
        ),
    ],
)
def test_invalid_body_is_a_form_error_not_a_500(staff_client, body, message):
    response = staff_client.post(f"{CHANGELIST}add/", form_data(body=body))

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "errornote" in page
    assert message in page
    assert not RuleTemplate.objects.exists()


def test_invalid_body_on_edit_keeps_the_saved_one(staff_client, make_template):
    template = make_template("c", body=VALID_BODY)

    response = staff_client.post(
        f"{CHANGELIST}{template.pk}/change/", form_data(slug="c", body='{"sections": [{"categoryName": 1}]}')
    )

    assert response.status_code == HTTPStatus.OK
    assert "sections[0].categoryName must be one of" in response.content.decode()
    template.refresh_from_db()
    assert template.body == VALID_BODY


def test_list_editable_fields_change_the_api(staff_client, api_client, make_template):
    first = make_template("a", title="Alpha", sort_order=1)
    second = make_template("b", title="Bravo", sort_order=2)
    etag = api_client.get("/api/templates")["ETag"]

    response = staff_client.post(
        CHANGELIST,
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-id": str(first.pk),
            "form-0-sort_order": "9",
            "form-0-published": "on",
            "form-1-id": str(second.pk),
            "form-1-sort_order": "2",
            "form-1-featured": "on",
            "form-1-published": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    listed = api_client.get("/api/templates", HTTP_IF_NONE_MATCH=etag)
    assert listed.status_code == HTTPStatus.OK
    assert [t["slug"] for t in listed.json()["templates"]] == ["b", "a"]
    assert listed.json()["templates"][0]["featured"] is True
