"""Raw request bodies breaking each JSON-safety rule of SPEC §4, built around a field.

``hostile_bodies(wrap)`` returns ``(id, bytes)`` pairs; ``wrap(json_text)``
puts a JSON value where the route's object (draft payload, rule document)
goes, so the rest of the body is valid.
"""


def hostile_values():
    return [
        ("deep_nesting", "[" * 100_000 + "]" * 100_000),
        ("nan", '{"x": NaN}'),
        ("infinity", '{"x": -Infinity}'),
        ("overflow", '{"x": 1e400}'),
        ("long_string", '{"x": "' + "a" * 50_001 + '"}'),
        ("big_array", '{"x": [' + ",".join(["0"] * 5_001) + "]}"),
        ("many_keys", "{" + ",".join(f'"k{i}": 0' for i in range(501)) + "}"),
        ("proto_key", '{"__proto__": {"admin": true}}'),
        ("constructor_key", '{"a": [{"constructor": 1}]}'),
        ("prototype_key", '{"a": {"b": {"prototype": 1}}}'),
        ("nul_in_key", '{"a\\u0000b": 1}'),
        ("nul_in_value", '{"x": "a\\u0000b"}'),
        ("lone_surrogate", '{"x": "\\ud800"}'),
    ]


def hostile_bodies(wrap):
    bodies = [(name, wrap(value).encode()) for name, value in hostile_values()]
    valid = wrap('{"x": "ok"}').encode()
    # Invalid UTF-8 in the middle of an otherwise valid body.
    bodies.append(("invalid_utf8", valid.replace(b'"ok"', b'"o\xff\xfek"')))
    return bodies
