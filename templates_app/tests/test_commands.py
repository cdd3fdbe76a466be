from io import StringIO

from django.core.management import call_command

from templates_app.models import RuleTemplate
from templates_app.starter_templates import STARTER_TEMPLATES
from templates_app.validators import CATEGORIES, body_problem


def seed(*args):
    out = StringIO()
    call_command("seed_templates", *args, stdout=out)
    return out.getvalue().strip()


def test_starter_templates_are_real_and_complete():
    slugs = {spec["slug"] for spec in STARTER_TEMPLATES}

    assert {"consensus", "sociocracy", "do-ocracy", "elected-board", "sortition", "liquid-democracy"} <= slugs
    for spec in STARTER_TEMPLATES:
        assert body_problem(spec["body"]) is None, spec["slug"]
        names = [section["categoryName"] for section in spec["body"]["sections"]]
        assert names == list(CATEGORIES), spec["slug"]
        assert all(section["entries"] for section in spec["body"]["sections"]), spec["slug"]


def test_seed_is_idempotent(db, api_client):
    assert seed() == f"Created {len(STARTER_TEMPLATES)} template(s), updated 0."
    assert seed() == "Created 0 template(s), updated 0."

    assert RuleTemplate.objects.count() == len(STARTER_TEMPLATES)
    for template in RuleTemplate.objects.all():
        template.full_clean()
    listed = api_client.get("/api/templates").json()["templates"]
    assert len(listed) == len(STARTER_TEMPLATES)


def test_rerun_keeps_staff_edits_unless_update(db):
    seed()
    edited = RuleTemplate.objects.get(slug="consensus")
    edited.title = "Our consensus"
    edited.published = False
    edited.save()
    RuleTemplate.objects.get(slug="sortition").delete()

    assert seed() == "Created 1 template(s), updated 0."
    edited.refresh_from_db()
    assert (edited.title, edited.published) == ("Our consensus", False)

    assert seed("--update") == f"Created 0 template(s), updated {len(STARTER_TEMPLATES)}."
    edited.refresh_from_db()
    original = next(spec for spec in STARTER_TEMPLATES if spec["slug"] == "consensus")
    assert (edited.title, edited.published, edited.body) == (original["title"], True, original["body"])
    assert RuleTemplate.objects.count() == len(STARTER_TEMPLATES)
