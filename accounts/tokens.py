"""Session tokens and one-time codes, after django/contrib/auth/tokens.py.

Tokens and codes come from ``secrets``; the database stores only keyed hashes
(HMAC-SHA256 keyed by SECRET_KEY, a distinct salt per purpose), so a leaked
row cannot be replayed as a cookie or a code.
"""

import base64
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

SESSION_SALT = "communityrule.accounts.session-token"
OTP_SALT = "communityrule.accounts.otp-code"
# A cookie longer than this cannot be one of ours; refuse it without hashing.
MAX_TOKEN_LENGTH = 64


def new_session_token() -> str:
    """32 random bytes, base64url without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


def hash_session_token(token: str) -> str:
    return salted_hmac(SESSION_SALT, token, algorithm="sha256").hexdigest()


def new_otp_code() -> str:
    """Six decimal digits from a cryptographically secure generator."""
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_otp_code(email: str, code: str) -> str:
    # The email is part of the message so equal codes never share a hash.
    return salted_hmac(OTP_SALT, f"{email}\x1f{code}", algorithm="sha256").hexdigest()


def otp_code_matches(email: str, code: str, code_hash: str) -> bool:
    return constant_time_compare(hash_otp_code(email, code), code_hash)
