"""Template curation (SPEC §6)."""

from django.contrib import admin

from templates_app.forms import RuleTemplateForm
from templates_app.models import RuleTemplate


@admin.register(RuleTemplate)
class RuleTemplateAdmin(admin.ModelAdmin):
    form = RuleTemplateForm
    list_display = ("title", "slug", "category", "featured", "sort_order", "published", "updated_at")
    list_editable = ("featured", "sort_order", "published")
    list_filter = ("published", "featured", "category")
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    ordering = ("-featured", "sort_order", "title")
