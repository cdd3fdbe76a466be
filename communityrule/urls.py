from django.contrib import admin
from django.urls import include, path

from accounts.admin import limit_login_rate
from communityrule.api import views

admin.site.site_header = "Community Rule admin"
admin.site.site_title = "Community Rule admin"
admin.site.index_title = "Administration"
# SPEC §6: the admin login is rate limited per client IP.
admin.site.login = limit_login_rate(admin.site.login)

api_patterns = [
    path("health", views.health, name="health"),
    path("schema", views.SchemaView.as_view(), name="schema"),
    path("docs", views.DocsView.as_view(url_name="schema"), name="docs"),
    path("", include("accounts.urls")),
    path("", include("drafts.urls")),
    path("", include("rules.urls")),
    path("", include("templates_app.urls")),
    path("", include("vitals.urls")),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

handler404 = "communityrule.api.errors.handler404"
handler500 = "communityrule.api.errors.handler500"
