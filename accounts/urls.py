from django.urls import path

from accounts.views import AuthSessionView, LogoutView, OtpRequestView, OtpVerifyView

urlpatterns = [
    path("auth/otp/request", OtpRequestView.as_view(), name="auth-otp-request"),
    path("auth/otp/verify", OtpVerifyView.as_view(), name="auth-otp-verify"),
    path("auth/session", AuthSessionView.as_view(), name="auth-session"),
    path("auth/logout", LogoutView.as_view(), name="auth-logout"),
]
