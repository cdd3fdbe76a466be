"""Read-only drafts (SPEC §6): staff may look, never edit."""

import json

from django.contrib import admin
from django.utils.html import format_html

from drafts.models import RuleDraft


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))


@admin.register(RuleDraft)
class RuleDraftAdmin(admin.ModelAdmin):
    list_display = ("user", "updated_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    list_filter = ("updated_at",)
    ordering = ("-updated_at",)
    fields = ("user", "updated_at", "pretty_payload")
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name and match.url_name.endswith("_changelist"):
            # Payloads can be hundreds of KiB; the list never shows them.
            queryset = queryset.defer("payload")
        return queryset

    @admin.display(description="payload")
    def pretty_payload(self, draft):
        return pretty_json(draft.payload)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
