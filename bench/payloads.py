"""Request bodies the benchmark sends (no Django imports)."""

import json

DRAFT_PAYLOAD_BYTES = 5 * 1024


def draft_body(*, size: int = DRAFT_PAYLOAD_BYTES, seed: str = "bench") -> bytes:
    """A ``PUT /api/drafts/me`` body whose JSON is ``size`` bytes, shaped like the SPA's drafts.

    Every known key is present (so the server checks them all) plus filler
    sections until the body reaches ``size``.
    """
    payload = {
        "title": f"Neighbourhood garden rules ({seed})",
        "summary": "How the garden collective decides, shares tools and settles disputes.",
        "currentStep": "review",
        "stakeholders": [{"name": "Members", "role": "decide"}, {"name": "Visitors", "role": "advise"}],
        "sections": [],
        "methodCards": {"decision": "consent", "conflict": "mediation"},
    }
    def encode() -> bytes:
        return json.dumps({"payload": payload}, separators=(",", ":")).encode()

    index = 0
    while True:
        payload["sections"].append(
            {
                "categoryName": ["Values", "Communication", "Membership", "Decision-making",
                                 "Conflict management"][index % 5],
                "entries": [{"title": f"Entry {index}", "body": "We agree to act in good faith. " * 3}],
            }
        )
        if len(encode()) > size:
            payload["sections"].pop()
            break
        index += 1
    payload["summary"] += "." * (size - len(encode()))
    body = encode()
    assert len(body) == size, len(body)
    return body


def vitals_body() -> bytes:
    """One event as the SPA's reporter sends it."""
    return json.dumps(
        {
            "metric": "LCP",
            "data": {"value": 2400, "rating": "good"},
            "url": "https://communityrule.example/create/review",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) bench",
            "timestamp": "2026-11-28T12:00:00.000Z",
        }
    ).encode()
