"""Admin for users, their sign-in sessions and pending codes (SPEC §6).

Actions and saves call the same services as the API. Neither session token
hashes nor code hashes are ever shown.
"""

import functools
from http import HTTPStatus

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpResponse

from accounts import services
from accounts.models import LoginSession, OtpChallenge, User, normalize_email
from communityrule.api.client_ip import client_ip
from communityrule.api.errors import RateLimited
from communityrule.api.ratelimit import enforce


class _EmailCleaningMixin:
    def clean_email(self):
        return normalize_email(self.cleaned_data.get("email"))


class UserCreationForm(_EmailCleaningMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes = {}


class UserEditForm(_EmailCleaningMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}


class LoginSessionInline(admin.TabularInline):
    model = LoginSession
    extra = 0
    fields = ("created_at", "expires_at", "last_seen_at", "ip", "user_agent")
    readonly_fields = fields
    can_delete = True
    verbose_name_plural = "sessions (tick Delete and save to revoke)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email",)
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = [LoginSessionInline]
    actions = ["deactivate"]

    def get_inlines(self, request, obj):
        # A user being added has no sessions yet.
        return self.inlines if obj is not None else []

    @admin.action(description="Deactivate selected users and end their sessions")
    def deactivate(self, request, queryset):
        ended = sum(services.deactivate_user(user=user) for user in queryset)
        self.message_user(
            request,
            f"Deactivated {queryset.count()} user(s); ended {ended} session(s).",
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Unticking "active" is a deactivation: end their sessions too.
            services.deactivate_user(user=obj)


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "expires_at", "last_seen_at", "ip", "user_agent")
    list_select_related = ("user",)
    search_fields = ("user__email", "ip")
    list_filter = ("created_at", "expires_at")
    fields = ("user", "created_at", "expires_at", "last_seen_at", "ip", "user_agent")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.action(description="Revoke selected sessions")
    def revoke(self, request, queryset):
        ended = services.revoke_sessions(sessions=queryset)
        self.message_user(request, f"Revoked {ended} session(s).", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Revoke" says what deleting means
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OtpChallenge)
class OtpChallengeAdmin(admin.ModelAdmin):
    list_display = ("email", "created_at", "expires_at", "attempts")
    search_fields = ("email",)
    fields = ("email", "created_at", "expires_at", "attempts")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def limit_login_rate(login_view):
    """Wrap the admin login view: sign-in attempts (POSTs) are rate limited per IP.

    Over the ``admin_login_ip`` rule the answer is 429 with ``Retry-After``.
    """

    @functools.wraps(login_view)
    def view(request, *args, **kwargs):
        if request.method == "POST":
            try:
                enforce(request, "admin_login_ip", key=client_ip(request))
            except RateLimited as exc:
                response = HttpResponse(
                    "Too many sign-in attempts. Try again later.\n",
                    status=HTTPStatus.TOO_MANY_REQUESTS,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = exc.headers["Retry-After"]
                return response
        return login_view(request, *args, **kwargs)

    return view
