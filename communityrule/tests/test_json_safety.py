"""Every JSON-safety rule of SPEC §4, through a real DRF endpoint and on json_safety itself.

Syntax-level problems answer 400 ``invalid_json``; content rules answer 400
``validation_error`` with the offending path in ``details``.
"""

import json
from http import HTTPStatus

import pytest

from communityrule import json_safety

pytestmark = pytest.mark.usefixtures("test_urls")

ECHO = "/api/test/echo"


def post_raw(client, body, content_type="application/json"):
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    return client.generic("POST", ECHO, body, content_type=content_type)


def invalid_json(message):
    return {"error": {"code": "invalid_json", "message": message}}


def validation_error(message, path="body"):
    return {
        "error": {"code": "validation_error", "message": message},
        "details": {path: [message]},
    }


def test_valid_body_is_echoed(api_client):
    body = {"a": [1, 2.5, "x", None, True, {"b": "😀 \\ \" ü"}]}
    response = api_client.post_json(ECHO, body)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": body}


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"":' * 100_000 + "1" + "}" * 100_000,
        "[" * 100_000,
        '{"a":' * 100_000,
        '[{"a":' * 50_000,
    ],
    ids=["arrays", "objects", "unclosed-arrays", "unclosed-objects", "mixed"],
)
def test_100000_deep_nesting_is_invalid_json(api_client, body):
    assert len(body.encode()) <= 524288
    response = post_raw(api_client, body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == invalid_json("JSON nests deeper than 40 levels.")


def test_nesting_limit_is_40(api_client):
    ok = "[" * 40 + "]" * 40
    assert post_raw(api_client, ok).json() == {"received": json.loads(ok)}
    too_deep = '{"a":' * 40 + "[]" + "}" * 40
    response = post_raw(api_client, too_deep)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == invalid_json("JSON nests deeper than 40 levels.")


def test_brackets_inside_strings_do_not_count_as_nesting(api_client):
    body = {"text": "[[[[{{{{" * 100 + '\\"[' * 50}
    response = api_client.post_json(ECHO, body)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": body}


@pytest.mark.parametrize(
    "body, path, message",
    [
        (r'{"name": "a\u0000b"}', "name", "String contains the NUL character."),
        (r'{"a": [{"b": "\u0000"}]}', "a.0.b", "String contains the NUL character."),
        (r'{"a\u0000": 1}', "body", "Key contains the NUL character."),
        (r'{"x": {"\u0000": 1}}', "x", "Key contains the NUL character."),
        (r'"\u0000"', "body", "String contains the NUL character."),
    ],
)
def test_nul_in_keys_and_values_is_refused(api_client, body, path, message):
    response = post_raw(api_client, body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error(message, path)


def test_raw_nul_byte_is_invalid_json(api_client):
    response = post_raw(api_client, b'{"a": "x\x00y"}')
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    "body, path, message",
    [
        (r'{"s": "\ud800"}', "s", "String contains an unpaired surrogate."),
        (r'{"s": "x\udfffy"}', "s", "String contains an unpaired surrogate."),
        (r'{"s": "\udc00\ud800"}', "s", "String contains an unpaired surrogate."),
        (r'{"s": "\ud800\ud800"}', "s", "String contains an unpaired surrogate."),
        (r'{"\ud83d": 1}', "body", "Key contains an unpaired surrogate."),
        (r'["ok", "\ud800"]', "1", "String contains an unpaired surrogate."),
    ],
    ids=["high", "low", "reversed-pair", "two-highs", "key", "array"],
)
def test_unpaired_surrogates_are_refused(api_client, body, path, message):
    response = post_raw(api_client, body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error(message, path)


def test_paired_surrogate_escape_is_accepted(api_client):
    response = post_raw(api_client, r'{"s": "\ud83d\ude00"}')
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": {"s": "😀"}}


@pytest.mark.parametrize(
    "body, message",
    [
        ('{"a": NaN}', "NaN is not allowed in JSON."),
        ('{"a": Infinity}', "Infinity is not allowed in JSON."),
        ('{"a": -Infinity}', "-Infinity is not allowed in JSON."),
        ("[1e400]", "Number out of range."),
        ("[-1e400]", "Number out of range."),
        ('{"a": 123456789e999}', "Number out of range."),
    ],
)
def test_non_finite_numbers_are_invalid_json(api_client, body, message):
    response = post_raw(api_client, body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == invalid_json(message)


def test_huge_integer_is_invalid_json_not_500(api_client):
    # Python refuses to convert integers of more than 4300 digits.
    response = post_raw(api_client, "[" + "9" * 5000 + "]")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] == "invalid_json"


def test_string_limit_is_50000_characters(api_client):
    ok = {"s": "é" * 50_000}
    assert api_client.post_json(ECHO, ok).json() == {"received": ok}
    response = api_client.post_json(ECHO, {"outer": {"s": "a" * 50_001}})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error(
        "String is longer than 50000 characters.", "outer.s"
    )


def test_long_key_is_refused(api_client):
    response = api_client.post_json(ECHO, {"k" * 50_001: 1})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error("Key is longer than 50000 characters.")


def test_array_limit_is_5000_items(api_client):
    ok = {"items": list(range(5_000))}
    assert api_client.post_json(ECHO, ok).json() == {"received": ok}
    response = api_client.post_json(ECHO, {"items": list(range(5_001))})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error("Array has more than 5000 items.", "items")


def test_object_limit_is_500_keys(api_client):
    ok = {f"k{i}": i for i in range(500)}
    assert api_client.post_json(ECHO, ok).json() == {"received": ok}
    response = api_client.post_json(ECHO, {"a": [{f"k{i}": i for i in range(501)}]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error("Object has more than 500 keys.", "a.0")


@pytest.mark.parametrize("key", ["__proto__", "constructor", "prototype"])
def test_prototype_keys_are_refused_at_any_depth(api_client, key):
    at_top = api_client.post_json(ECHO, {key: {}})
    assert at_top.status_code == HTTPStatus.BAD_REQUEST
    assert at_top.json() == validation_error(f'The key "{key}" is not allowed.', key)

    deep = api_client.post_json(ECHO, {"a": [{"b": {key: 1}}]})
    assert deep.status_code == HTTPStatus.BAD_REQUEST
    assert deep.json() == validation_error(f'The key "{key}" is not allowed.', f"a.0.b.{key}")


def test_prototype_words_as_values_are_fine(api_client):
    body = {"a": ["__proto__", "constructor"], "prototypes": "prototype"}
    assert api_client.post_json(ECHO, body).json() == {"received": body}


@pytest.mark.parametrize(
    "raw",
    [b'{"a": "\xff"}', b'{"a": "\xc3"}', b'{"a": "\xed\xa0\x80"}', b"\xfe\xff[1]"],
    ids=["ff", "truncated", "encoded-surrogate", "utf16-bom"],
)
def test_invalid_utf8_is_invalid_json(api_client, raw):
    response = post_raw(api_client, raw)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == invalid_json("Request body is not valid UTF-8.")


@pytest.mark.parametrize("raw", ['{"a":', "{'a': 1}", "[1,]", '{"a": 1} x', "tru"])
def test_malformed_json_is_invalid_json(api_client, raw):
    response = post_raw(api_client, raw)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "invalid_json"
    assert body["error"]["message"].startswith("Malformed JSON: ")


def test_utf8_bom_is_tolerated(api_client):
    response = post_raw(api_client, b'\xef\xbb\xbf{"a": 1}')
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"received": {"a": 1}}


def test_text_plain_body_gets_the_same_rules(api_client):
    response = post_raw(api_client.__class__(), r'{"a": "\u0000"}', "text/plain")
    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    response = api_client.generic(
        "POST", "/api/test/echo-text", rb'{"a": "\u0000"}', content_type="text/plain"
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == validation_error("String contains the NUL character.", "a")


# --- json_safety itself (used by admin forms too) -----------------------------


def test_check_walks_100000_levels_without_recursion():
    value = []
    for _ in range(100_000):
        value = [value]
    violation = json_safety.check(value)
    assert violation is not None
    assert violation.message == "JSON nests deeper than 40 levels."


def test_check_accepts_safe_values_and_reports_the_first_violation_path():
    assert json_safety.check({"a": [1, 2.5, "x", None, True, {"b": {}}]}) is None
    violation = json_safety.check({"a": [{"b": float("nan")}]})
    assert (violation.path, violation.message) == ("a.0.b", "Numbers must be finite.")
    violation = json_safety.check({"a": {1: "x"}})
    assert (violation.path, violation.message) == ("a", "Object keys must be strings.")
    violation = json_safety.check({"a": object()})
    assert violation.message == "Unsupported value of type object."


def test_loads_raises_with_kind():
    with pytest.raises(json_safety.JsonSafetyError) as syntax:
        json_safety.loads("[NaN]")
    assert syntax.value.kind == "syntax"
    with pytest.raises(json_safety.JsonSafetyError) as content:
        json_safety.loads('{"constructor": 1}')
    assert (content.value.kind, content.value.path) == ("content", "constructor")


@pytest.mark.parametrize(
    "body",
    [
        "[" + '"\\' * 262_000,
        '["' + "\\" * 524_000,
        '"' + "[" * 524_000,
        '["' * 262_000,
    ],
    ids=["quote-backslash", "backslashes", "brackets-in-open-string", "quotes"],
)
def test_hostile_bodies_are_refused_in_linear_time(api_client, body):
    # The nesting pre-scan once rescanned the rest of the body from every
    # quote of an unterminated string: 64 KB of `"\` took 45 seconds.
    import time

    started = time.perf_counter()
    response = post_raw(api_client, body)
    assert time.perf_counter() - started < 2
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]["code"] == "invalid_json"


def test_nesting_prescan_skips_strings_and_escapes():
    assert not json_safety.nesting_depth_exceeds('["a\\"[[[[", 1]', 1)
    assert json_safety.nesting_depth_exceeds('["\\\\", [[]]]', 2)
    assert not json_safety.nesting_depth_exceeds('["\\\\", [[]]]', 3)
