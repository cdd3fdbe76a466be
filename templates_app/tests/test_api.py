from http import HTTPStatus

import pytest

URL = "/api/templates"


def item(template):
    return {
        "id": str(template.id),
        "slug": template.slug,
        "title": template.title,
        "category": template.category,
        "description": template.description,
        "body": template.body,
        "featured": template.featured,
    }


def test_published_templates_in_catalog_order(api_client, make_template):
    plain_b = make_template("b", title="Bravo", sort_order=1)
    plain_a = make_template("a", title="Alpha", sort_order=1)
    first = make_template("z", title="Zulu", sort_order=0)
    featured = make_template("f", title="Featured", sort_order=9, featured=True)
    make_template("draft", published=False)

    response = api_client.get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"templates": [item(featured), item(first), item(plain_a), item(plain_b)]}


def test_category_filter(api_client, make_template):
    consensus = make_template("c", category="Consensus")
    make_template("s", category="Sociocracy")

    assert api_client.get(URL, {"category": "Consensus"}).json() == {"templates": [item(consensus)]}
    assert api_client.get(URL, {"category": "Nope"}).json() == {"templates": []}


def test_etag_and_304(api_client, make_template):
    make_template("c")
    first = api_client.get(URL)
    etag = first["ETag"]

    again = api_client.get(URL, HTTP_IF_NONE_MATCH=etag)
    listed = api_client.get(URL, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    stale = api_client.get(URL, HTTP_IF_NONE_MATCH='"stale"')

    assert etag.startswith('"') and etag.endswith('"')
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert again.content == b""
    assert again["ETag"] == etag
    assert listed.status_code == HTTPStatus.NOT_MODIFIED
    assert stale.status_code == HTTPStatus.OK
    assert stale.json() == first.json()


def test_etag_differs_per_category(api_client, make_template):
    make_template("c", category="Consensus")
    make_template("s", category="Sociocracy")

    assert api_client.get(URL, {"category": "Consensus"})["ETag"] != api_client.get(URL)["ETag"]


@pytest.mark.parametrize(
    "edit",
    [
        {"title": "Renamed"},
        {"description": "New words"},
        {"sort_order": 5},
        {"featured": True},
        {"published": False},
        {"body": {"sections": []}},
    ],
)
def test_etag_changes_after_an_edit(api_client, make_template, edit):
    template = make_template("c")
    make_template("d")
    etag = api_client.get(URL)["ETag"]

    for name, value in edit.items():
        setattr(template, name, value)
    template.save()
    response = api_client.get(URL, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.OK
    assert response["ETag"] != etag


def test_list_query_budget(api_client, signed_in_client, make_template, django_assert_max_num_queries):
    for n in range(5):
        make_template(f"t{n}")

    # Cookie-blind: a signed-in caller costs no session lookup here.
    for client in (api_client, signed_in_client):
        with django_assert_max_num_queries(1):
            assert len(client.get(URL).json()["templates"]) == 5


def test_304_costs_one_query(api_client, make_template, django_assert_max_num_queries):
    make_template("t")
    etag = api_client.get(URL)["ETag"]

    with django_assert_max_num_queries(1):
        assert api_client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.NOT_MODIFIED


def test_read_one_template(api_client, make_template):
    template = make_template("consensus")

    response = api_client.get(f"{URL}/consensus")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"template": item(template)}


@pytest.mark.parametrize("slug", ["missing", "unpublished", "bad.slug", "consensus/"])
def test_unknown_or_unpublished_template_is_404(api_client, make_template, slug):
    make_template("consensus")
    make_template("unpublished", published=False)

    response = api_client.get(f"{URL}/{slug}")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_writes_are_405(staff_client, make_template):
    make_template("c")

    for response in (
        staff_client.post_json(URL, {}),
        staff_client.put_json(f"{URL}/c", {}),
        staff_client.delete(f"{URL}/c"),
    ):
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert response.json()["error"]["code"] == "method_not_allowed"
