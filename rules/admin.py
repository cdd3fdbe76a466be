"""Moderation of published rules (SPEC §6). Actions call rules.services, like the API."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from drafts.admin import pretty_json
from rules import services
from rules.forms import ModerationForm
from rules.models import PublishedRule


@admin.register(PublishedRule)
class PublishedRuleAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "created_at", "moderated_by", "moderated_at")
    list_select_related = ("owner", "moderated_by")
    list_filter = ("status", "created_at")
    search_fields = ("title", "summary", "owner__email")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "id",
        "title",
        "summary",
        "owner",
        "status",
        "created_at",
        "updated_at",
        "moderation_note",
        "moderated_by",
        "moderated_at",
        "pretty_document",
    )
    # Status changes only through the actions, so who and when are always recorded.
    readonly_fields = fields
    actions = ["hide", "unhide"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name and match.url_name.endswith("_changelist"):
            queryset = queryset.defer("document")
        return queryset

    def has_add_permission(self, request):
        return False

    @admin.display(description="document")
    def pretty_document(self, rule):
        return pretty_json(rule.document)

    @admin.action(description="Hide selected rules from the public", permissions=["change"])
    def hide(self, request, queryset):
        return self._moderate(request, queryset, services.hide_rules, "Hide", "Hid")

    @admin.action(description="Unhide selected rules (publish again)", permissions=["change"])
    def unhide(self, request, queryset):
        return self._moderate(request, queryset, services.unhide_rules, "Unhide", "Unhid")

    def _moderate(self, request, queryset, service, verb, done):
        """First show a page asking for the note; on its submit, apply the service."""
        form = ModerationForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = service(rules=queryset, moderator=request.user, note=form.cleaned_data["note"])
            self.message_user(request, f"{done} {count} rule(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb} rules",
            "opts": self.model._meta,
            "form": form,
            "rules": queryset,
            "action": request.POST["action"],
            "verb": verb,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/rules/publishedrule/moderate.html", context)
