"""JSON safety rules of SPEC §4, in pure Python (no Django imports).

Used by the API's JSON parser and by admin forms that edit JSON. Everything
walks with explicit stacks, never recursion, so hostile nesting cannot reach
Python's recursion limit.
"""

import json
import math
import re

MAX_DEPTH = 40
MAX_STRING = 50_000
MAX_ARRAY = 5_000
MAX_KEYS = 500
FORBIDDEN_KEYS = frozenset({"__proto__", "constructor", "prototype"})

_SURROGATE = re.compile("[\ud800-\udfff]")
# Tokens that matter for nesting: whole strings (skipped), and brackets. The
# closing quote is optional so an unterminated string is consumed once, to the
# end; requiring it made each later quote rescan the rest of the body
# (quadratic time: 64 KB of `"\` took 45 s).
_NESTING_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


class JsonSafetyError(ValueError):
    """A violation. ``kind`` is "syntax" (not JSON we will parse) or "content"."""

    def __init__(self, message: str, *, path: str = "", kind: str = "content"):
        super().__init__(message)
        self.message = message
        self.path = path
        self.kind = kind


def nesting_depth_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when brackets in ``text`` nest deeper than ``limit``.

    Runs before ``json.loads``, whose C decoder recurses once per level.
    """
    depth = 0
    for match in _NESTING_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def _reject_constant(name):
    raise JsonSafetyError(f"{name} is not allowed in JSON.", kind="syntax")


def _parse_float(literal):
    value = float(literal)
    if math.isinf(value):
        raise JsonSafetyError("Number out of range.", kind="syntax")
    return value


def loads(text: str):
    """Parse ``text`` strictly and check the result; raise JsonSafetyError."""
    if nesting_depth_exceeds(text):
        raise JsonSafetyError(f"JSON nests deeper than {MAX_DEPTH} levels.", kind="syntax")
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_parse_float)
    except JsonSafetyError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonSafetyError(f"Malformed JSON: {exc}", kind="syntax") from None
    violation = check(value)
    if violation is not None:
        raise violation
    return value


def _string_violation(text: str, what: str):
    if len(text) > MAX_STRING:
        return f"{what} is longer than {MAX_STRING} characters."
    if "\x00" in text:
        return f"{what} contains the NUL character."
    if _SURROGATE.search(text):
        return f"{what} contains an unpaired surrogate."
    return None


def _join(path: str, part) -> str:
    return f"{path}.{part}" if path else str(part)


def check(value, *, max_depth: int = MAX_DEPTH):
    """Return the first JsonSafetyError for an already parsed value, or None."""
    stack = [(value, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                return JsonSafetyError(f"JSON nests deeper than {max_depth} levels.", path=path)
            if len(node) > MAX_KEYS:
                return JsonSafetyError(f"Object has more than {MAX_KEYS} keys.", path=path)
            for key, child in node.items():
                if not isinstance(key, str):
                    return JsonSafetyError("Object keys must be strings.", path=path)
                if key in FORBIDDEN_KEYS:
                    return JsonSafetyError(f'The key "{key}" is not allowed.', path=_join(path, key))
                problem = _string_violation(key, "Key")
                if problem:
                    return JsonSafetyError(problem, path=path)
                stack.append((child, _join(path, key), depth + 1))
        elif isinstance(node, list):
            if depth > max_depth:
                return JsonSafetyError(f"JSON nests deeper than {max_depth} levels.", path=path)
            if len(node) > MAX_ARRAY:
                return JsonSafetyError(f"Array has more than {MAX_ARRAY} items.", path=path)
            for index, child in enumerate(node):
                stack.append((child, _join(path, index), depth + 1))
        elif isinstance(node, str):
            problem = _string_violation(node, "String")
            if problem:
                return JsonSafetyError(problem, path=path)
        elif isinstance(node, float):
            if not math.isfinite(node):
                return JsonSafetyError("Numbers must be finite.", path=path)
        elif node is None or isinstance(node, (bool, int)):
            continue
        else:
            return JsonSafetyError(f"Unsupported value of type {type(node).__name__}.", path=path)
    return None
