import pytest
from django.core.exceptions import ValidationError

from templates_app.models import RuleTemplate

GOOD = {"sections": [{"categoryName": "Membership", "entries": [{"title": "Joining", "body": "Ask."}]}]}


def test_model_validation_uses_the_body_rules(db):
    RuleTemplate(slug="ok", title="Ok", category="C", body=GOOD).full_clean()

    with pytest.raises(ValidationError) as caught:
        RuleTemplate(slug="bad", title="Bad", category="C", body={"sections": [], "prototype": 1}).full_clean()

    assert caught.value.message_dict == {"body": ['The key "prototype" is not allowed. (at prototype)']}


def test_catalog_order_and_published_only(make_template):
    make_template("hidden", published=False)
    b = make_template("b", title="B", sort_order=2)
    a = make_template("a", title="A", sort_order=2)
    star = make_template("star", featured=True, sort_order=99)

    assert list(RuleTemplate.objects.published().in_catalog_order()) == [star, a, b]
