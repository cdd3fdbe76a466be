from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vitals.models import WebVitalEvent


class Command(BaseCommand):
    help = (
        "Delete stored web vitals older than VITALS_RETENTION_DAYS, in batches "
        "(short transactions; safe while the app serves traffic)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days instead of VITALS_RETENTION_DAYS.",
        )
        parser.add_argument("--batch-size", type=int, default=10_000)

    def handle(self, *args, days=None, batch_size=10_000, **options):
        days = settings.VITALS_RETENTION_DAYS if days is None else days
        if days < 1 or batch_size < 1:
            raise CommandError("--days and --batch-size must be at least 1.")
        cutoff = timezone.now() - timedelta(days=days)
        deleted = WebVitalEvent.objects.prune(older_than=cutoff, batch_size=batch_size)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} web vital events older than {days} days.")
        )
