from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from accounts.models import LoginSession, OtpChallenge, OtpFailure


class Command(BaseCommand):
    """Delete ended sign-in sessions, expired codes and old failure records (SPEC §7).

    Works in batches of short statements, so it is safe to run from cron while
    the app serves traffic.
    """

    help = "Delete expired or idle sessions, expired one-time codes and old failed-code records."

    def handle(self, *args, **options):
        try:
            sessions = LoginSession.objects.delete_ended()
            challenges = OtpChallenge.objects.delete_expired()
            failures = OtpFailure.objects.delete_old()
        except DatabaseError as exc:
            raise CommandError(f"Cleanup failed: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {sessions} session(s), {challenges} expired code(s) "
                f"and {failures} old failed-code record(s)."
            )
        )
