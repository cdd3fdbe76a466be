"""The sign-in code email, through Django's email framework (SMTP, anymail, console)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def send_otp_email(*, email: str, code: str) -> None:
    """Send ``code`` to ``email``; raise whatever the backend raises on failure.

    ``EMAIL_TIMEOUT`` bounds a hanging SMTP server.
    """
    context = {"code": code, "minutes": settings.OTP_TTL_SECONDS // 60}
    subject = " ".join(render_to_string("accounts/email/otp_subject.txt", context).split())
    message = render_to_string("accounts/email/otp_message.txt", context)
    send_mail(subject, message, None, [email], fail_silently=False)
