"""Request and response shapes of the sign-in routes (SPEC §5)."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User, normalize_email
from communityrule.api.errors import InvalidEmail, ValidationFailed

MAX_EMAIL_LENGTH = 254
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# ASCII digits only: Python's \d would also accept full-width and other Unicode digits.
_CODE = re.compile(r"[0-9]{6}")
_validate_email = EmailValidator()


@extend_schema_field({"type": "string", "format": "email", "maxLength": MAX_EMAIL_LENGTH})
class EmailAddressField(serializers.Field):
    """An email address, trimmed and lowercased; at most 254 characters, no control characters."""

    default_error_messages = {"invalid": "Enter a valid email address."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        email = normalize_email(data)
        if not email or len(email) > MAX_EMAIL_LENGTH or _CONTROL.search(email):
            self.fail("invalid")
        try:
            _validate_email(email)
        except DjangoValidationError:
            self.fail("invalid")
        return email

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": "^[0-9 ]+$", "example": "123 456"},
            {"type": "integer", "minimum": 100000, "maximum": 999999},
        ],
        "description": "Six ASCII digits; spaces are ignored.",
    }
)
class OtpCodeField(serializers.Field):
    """A 6-digit code sent as a string (spaces allowed) or as a JSON number.

    Decision (SPEC §5 "after removing whitespace ... a trailing newline is
    refused"): only the ASCII space U+0020 is removed, so "12 34 56" and
    " 123456 " pass while "123456\\n", tabs and other whitespace fail, as do
    full-width and other Unicode digits. A number must be a whole non-negative
    integer whose decimal form is exactly 6 digits (123456 passes; 12345 —
    which is what 012345 becomes as a number — fails; booleans and floats fail).
    """

    default_error_messages = {"invalid": "Enter the 6-digit code."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            data = str(data)
        if not isinstance(data, str):
            self.fail("invalid")
        code = data.replace(" ", "")
        if not _CODE.fullmatch(code):
            self.fail("invalid")
        return code

    def to_representation(self, value):
        return value


class OtpRequestInputSerializer(serializers.Serializer):
    email = EmailAddressField()

    def is_valid(self, *, raise_exception=False):
        # SPEC §5: any problem with this body is 400 invalid_email.
        valid = super().is_valid()
        if not valid and raise_exception:
            raise InvalidEmail()
        return valid


class OtpVerifyInputSerializer(serializers.Serializer):
    email = EmailAddressField()
    code = OtpCodeField()

    def is_valid(self, *, raise_exception=False):
        valid = super().is_valid()
        if not valid and raise_exception:
            raise ValidationFailed(
                "Valid email and 6-digit code required",
                details={field: [str(m) for m in messages] for field, messages in self.errors.items()},
            )
        return valid


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email"]


class OkSerializer(serializers.Serializer):
    ok = serializers.BooleanField()


class SignedInSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    user = UserSerializer()


class SessionSerializer(serializers.Serializer):
    user = UserSerializer(allow_null=True)
