"""Request body parsers enforcing the JSON safety rules of SPEC §4."""

from rest_framework.parsers import BaseParser

from communityrule import json_safety
from communityrule.api.errors import InvalidJson, PayloadTooLarge, ValidationFailed


def parse_json_bytes(raw: bytes, *, max_bytes: int | None = None):
    """Decode and parse a JSON body strictly, raising the API's own errors.

    Syntax problems (bad UTF-8, malformed JSON, NaN/Infinity, numbers that
    overflow, nesting deeper than 40) answer ``invalid_json``; content rules
    (long strings, big arrays or objects, forbidden keys, NUL, unpaired
    surrogates) answer ``validation_error`` with the offending path.
    """
    if max_bytes is not None and len(raw) > max_bytes:
        raise PayloadTooLarge()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("Request body is not valid UTF-8.") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json_safety.loads(text)
    except json_safety.JsonSafetyError as exc:
        if exc.kind == "syntax":
            raise InvalidJson(exc.message) from None
        raise ValidationFailed(
            exc.message, details={exc.path or "body": [exc.message]}
        ) from None


class StrictJSONParser(BaseParser):
    """``application/json`` bodies, parsed with every JSON-safety rule."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        return parse_json_bytes(raw)


class PlainTextJSONParser(StrictJSONParser):
    """``text/plain`` bodies holding JSON, as ``navigator.sendBeacon`` sends them."""

    media_type = "text/plain"
