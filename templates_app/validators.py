"""The template ``body`` shape (SPEC §5), shared by the model, the admin form and the seed."""

from django.core.exceptions import ValidationError

from communityrule import json_safety

CATEGORIES = ("Values", "Communication", "Membership", "Decision-making", "Conflict management")


def body_problem(body) -> str | None:
    """The first thing wrong with a template body, or None.

    Shape: ``{"sections": [{"categoryName": <one of CATEGORIES>,
    "entries": [{"title": str, "body": str}, ...]}, ...]}``, within the JSON
    safety limits of SPEC §4.
    """
    violation = json_safety.check(body)
    if violation is not None:
        where = f" (at {violation.path})" if violation.path else ""
        return f"{violation.message}{where}"
    if not isinstance(body, dict) or not isinstance(body.get("sections"), list):
        return 'Body must be an object with a "sections" list.'
    for index, section in enumerate(body["sections"]):
        where = f"sections[{index}]"
        if not isinstance(section, dict):
            return f"{where} must be an object."
        if section.get("categoryName") not in CATEGORIES:
            return f"{where}.categoryName must be one of: {', '.join(CATEGORIES)}."
        entries = section.get("entries")
        if not isinstance(entries, list):
            return f'{where} must have an "entries" list.'
        for number, entry in enumerate(entries):
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("title"), str)
                and isinstance(entry.get("body"), str)
            ):
                return f'{where}.entries[{number}] must be an object with string "title" and "body".'
    return None


def validate_template_body(body) -> None:
    problem = body_problem(body)
    if problem:
        raise ValidationError(problem, code="invalid_body")
