"""The template admin form: ``body`` edited as formatted JSON (SPEC §6)."""

import json

from django import forms

from communityrule import json_safety
from templates_app.models import RuleTemplate


class PrettyJsonField(forms.JSONField):
    """JSON text shown indented and parsed with the API's safety rules.

    Django's JSONField would accept NaN and fail with a RecursionError (a 500)
    on deep nesting; json_safety.loads refuses both as a form error.
    """

    def to_python(self, value):
        if self.disabled or value in self.empty_values:
            return super().to_python(value)
        if isinstance(value, (list, dict, int, float, bool)):
            return value
        try:
            return json_safety.loads(value)
        except json_safety.JsonSafetyError as exc:
            where = f" (at {exc.path})" if exc.path else ""
            raise forms.ValidationError(f"Invalid JSON: {exc.message}{where}", code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return json_safety.loads(data)
        except json_safety.JsonSafetyError:
            return forms.fields.InvalidJSONInput(data)


class RuleTemplateForm(forms.ModelForm):
    body = PrettyJsonField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "style": "font-family: monospace"}),
        help_text=(
            '{"sections": [{"categoryName": "Values", "entries": [{"title": "...", "body": "..."}]}]} '
            "with the categories Values, Communication, Membership, Decision-making, "
            "Conflict management."
        ),
    )

    class Meta:
        model = RuleTemplate
        fields = ["title", "slug", "category", "description", "body", "sort_order", "featured", "published"]
