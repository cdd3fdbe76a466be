import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

# SPEC §7: cleanup deletes in batches, one short statement each, never one huge transaction.
CLEANUP_BATCH_SIZE = 5000
# SPEC §5: the per-email failure cap counts failures of the last hour.
OTP_FAILURE_WINDOW = timedelta(hours=1)


def _delete_in_batches(queryset, batch_size: int) -> int:
    """Delete ``queryset`` rows ``batch_size`` at a time; return how many went.

    Each batch is one ``DELETE ... WHERE id IN (SELECT id ... LIMIT n)`` in its
    own autocommit transaction, so live traffic only ever waits on one batch.
    """
    model = queryset.model
    total = 0
    while True:
        batch = queryset.order_by().values("pk")[:batch_size]
        deleted, _ = model._base_manager.filter(pk__in=batch).delete()
        total += deleted
        if deleted < batch_size:
            return total


def normalize_email(email: str) -> str:
    """SPEC §5: emails are trimmed and lowercased, whole address included."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email(email))

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra_fields)
        if password:
            user.set_password(password)
        else:
            # People who sign in by code have no password at all.
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to this admin site."
    )
    is_active = models.BooleanField(
        default=True,
        help_text="Unticking this deactivates the account and ends its sessions.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            # Unique regardless of case, even if a row bypasses normalize_email.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)


class LoginSessionQuerySet(models.QuerySet):
    def ended(self, *, now=None):
        """Sessions past their absolute expiry or unused for AUTH_SESSION_IDLE_DAYS."""
        now = now or timezone.now()
        idle_cutoff = now - timedelta(days=settings.AUTH_SESSION_IDLE_DAYS)
        return self.filter(Q(expires_at__lte=now) | Q(last_seen_at__lte=idle_cutoff))

    def delete_ended(self, *, batch_size: int = CLEANUP_BATCH_SIZE) -> int:
        return _delete_in_batches(self.ended(), batch_size)


class LoginSession(models.Model):
    """A signed-in device. Only a keyed hash of the cookie token is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")

    objects = LoginSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "session"
        indexes = [
            # cleanup_sessions finds idle sessions by it.
            models.Index(fields=["last_seen_at"], name="accounts_session_last_seen"),
        ]

    def __str__(self):
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class OtpChallengeQuerySet(models.QuerySet):
    def delete_expired(self, *, batch_size: int = CLEANUP_BATCH_SIZE) -> int:
        return _delete_in_batches(self.filter(expires_at__lte=timezone.now()), batch_size)


class OtpChallenge(models.Model):
    """A pending sign-in code for one email. Only a keyed hash of the code is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    objects = OtpChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "OTP challenge"

    def __str__(self):
        return self.email


class OtpFailureQuerySet(models.QuerySet):
    def recent(self, *, email: str, now=None):
        """Failures for ``email`` inside the cap's one-hour window."""
        now = now or timezone.now()
        return self.filter(email=email, created_at__gt=now - OTP_FAILURE_WINDOW)

    def delete_old(self, *, batch_size: int = CLEANUP_BATCH_SIZE) -> int:
        cutoff = timezone.now() - OTP_FAILURE_WINDOW
        return _delete_in_batches(self.filter(created_at__lte=cutoff), batch_size)


class OtpFailure(models.Model):
    """One wrong code evaluated for an email (SPEC §5: 10 per email per hour).

    Kept apart from the challenge so that requesting a new code does not reset
    the count; a successful sign-in deletes the email's rows.
    """

    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OtpFailureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "OTP failure"
        indexes = [
            models.Index(fields=["email", "created_at"], name="accounts_otpfail_email_time"),
            models.Index(fields=["created_at"], name="accounts_otpfail_time"),
        ]

    def __str__(self):
        return f"{self.email} at {self.created_at:%Y-%m-%d %H:%M:%S}"
