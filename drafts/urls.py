from django.urls import path

from drafts.views import DraftMeView

urlpatterns = [
    path("drafts/me", DraftMeView.as_view(), name="drafts-me"),
]
