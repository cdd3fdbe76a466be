from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from vitals import charts, services
from vitals.models import WebVitalEvent, WebVitalsDashboard

DASHBOARD_WINDOWS = (7, 30)


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # pruning is manage.py prune_vitals' job


@admin.register(WebVitalEvent)
class WebVitalEventAdmin(_ReadOnlyAdmin):
    """Read-only list of stored events; its page links to the dashboard."""

    change_list_template = "admin/vitals/webvitalevent/change_list.html"
    list_display = ("created_at", "metric", "value", "rating", "url", "navigation_type")
    list_filter = ("metric", "rating", "created_at")
    search_fields = ("url",)
    list_per_page = 100
    # The table may be large: skip the unfiltered COUNT(*) on every page.
    show_full_result_count = False


@admin.register(WebVitalsDashboard)
class WebVitalsDashboardAdmin(_ReadOnlyAdmin):
    """The dashboard's entry on the admin index: its "list" page is the dashboard.

    Per metric, p75 (against the web.dev thresholds) and the good /
    needs-improvement / poor split for the last 7 and 30 days, drawn as
    inline SVG on the server — no JavaScript, nothing from a CDN.
    """

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("vitals.view_webvitalevent")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        windows = [
            charts.window_chart(days=days, summary=services.summarise(days=days))
            for days in DASHBOARD_WINDOWS
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Web vitals dashboard",
            "opts": self.model._meta,
            "storage": settings.VITALS_STORAGE,
            "windows": windows,
            "has_data": any(window.total for window in windows),
            "legend": [
                (rating.replace("-", " "), colour) for rating, colour in charts.COLOURS.items()
            ],
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/vitals/dashboard.html", context)
