from django.urls import path

from vitals.views import WebVitalsView

urlpatterns = [
    path("web-vitals", WebVitalsView.as_view(), name="web-vitals"),
]
