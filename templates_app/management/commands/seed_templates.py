from django.core.management.base import BaseCommand

from templates_app.models import RuleTemplate
from templates_app.starter_templates import STARTER_TEMPLATES


class Command(BaseCommand):
    """Create the curated starter templates (SPEC §7).

    Idempotent: templates already present (by slug) are left as staff edited
    them, unless ``--update`` resets them to the starter text.
    """

    help = "Create the starter rule templates that are missing (--update also resets existing ones)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true", help="Overwrite existing starter templates, including staff edits."
        )

    def handle(self, *args, update=False, **options):
        created, updated = RuleTemplate.objects.seed(STARTER_TEMPLATES, update=update)
        self.stdout.write(self.style.SUCCESS(f"Created {created} template(s), updated {updated}."))
