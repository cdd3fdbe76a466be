"""The API's JSON parsers and ``parse_json_bytes`` (SPEC §4)."""

import io

import pytest

from communityrule.api.errors import InvalidJson, PayloadTooLarge, ValidationFailed
from communityrule.api.parsers import PlainTextJSONParser, StrictJSONParser, parse_json_bytes


def test_parse_json_bytes_returns_the_value():
    assert parse_json_bytes(b'{"a": [1, 2.5, "\\u00fc", null]}') == {"a": [1, 2.5, "ü", None]}


def test_parse_json_bytes_enforces_max_bytes_before_parsing():
    with pytest.raises(PayloadTooLarge):
        parse_json_bytes(b"[" + b" " * 100 + b"]", max_bytes=100)
    assert parse_json_bytes(b"[" + b" " * 98 + b"]", max_bytes=100) == []


@pytest.mark.parametrize(
    "raw, error, message",
    [
        (b"\xff", InvalidJson, "Request body is not valid UTF-8."),
        (b"[NaN]", InvalidJson, "NaN is not allowed in JSON."),
        (b"[1e400]", InvalidJson, "Number out of range."),
        (b"[" * 41 + b"]" * 41, InvalidJson, "JSON nests deeper than 40 levels."),
        (b'{"a": "\\u0000"}', ValidationFailed, "String contains the NUL character."),
        (b'{"a": "\\ud800"}', ValidationFailed, "String contains an unpaired surrogate."),
        (b'{"__proto__": 1}', ValidationFailed, 'The key "__proto__" is not allowed.'),
    ],
)
def test_parse_json_bytes_raises_the_api_error(raw, error, message):
    with pytest.raises(error) as caught:
        parse_json_bytes(raw)
    assert type(caught.value) is error
    assert caught.value.message == message


def test_content_errors_carry_the_path_in_details():
    with pytest.raises(ValidationFailed) as caught:
        parse_json_bytes(b'{"sections": [{"title": "\\u0000"}]}')
    assert caught.value.details == {"sections.0.title": ["String contains the NUL character."]}


def test_empty_body_is_invalid_json():
    with pytest.raises(InvalidJson):
        parse_json_bytes(b"")


def test_parsers_media_types_and_parse():
    assert StrictJSONParser.media_type == "application/json"
    assert PlainTextJSONParser.media_type == "text/plain"
    assert PlainTextJSONParser().parse(io.BytesIO(b'{"name": "LCP"}')) == {"name": "LCP"}
    with pytest.raises(ValidationFailed):
        StrictJSONParser().parse(io.BytesIO(b'{"prototype": 1}'))
