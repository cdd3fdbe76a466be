"""Test-only URLs: the real API plus endpoints that echo a body or raise.

Used with ``settings.ROOT_URLCONF = "communityrule.tests.urls"`` so the
foundation tests do not depend on any app's routes.
"""

from django.db import OperationalError, connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from communityrule.api.parsers import PlainTextJSONParser, StrictJSONParser
from communityrule.urls import urlpatterns as project_urlpatterns


class EchoView(APIView):
    authentication_classes = []

    def post(self, request):
        return Response({"received": request.data})

    put = post


class PlainTextEchoView(EchoView):
    parser_classes = [StrictJSONParser, PlainTextJSONParser]


class DrfBoomView(APIView):
    authentication_classes = []

    def get(self, request):
        raise RuntimeError("secret-traceback-marker")


class DrfDatabaseDownView(APIView):
    authentication_classes = []

    def get(self, request):
        raise OperationalError("connection refused")


class NameInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=3)


class ValidateView(APIView):
    authentication_classes = []

    def post(self, request):
        serializer = NameInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class SignedInOnlyView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"ok": True})


def select_one() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


class DatabaseProbeView(APIView):
    authentication_classes = []

    def get(self, request):
        return Response({"database": select_one()})


def django_database_probe(request):
    return JsonResponse({"database": select_one()})


@csrf_exempt
@require_safe
def django_safe_only(request):
    return JsonResponse({"ok": True})


def django_boom(request):
    raise RuntimeError("secret-traceback-marker")


def django_database_down(request):
    raise OperationalError("connection refused")


test_patterns = [
    path("echo", EchoView.as_view()),
    path("echo-text", PlainTextEchoView.as_view()),
    path("validate", ValidateView.as_view()),
    path("signed-in", SignedInOnlyView.as_view()),
    path("db/drf", DatabaseProbeView.as_view()),
    path("db/django", django_database_probe),
    path("safe/django", django_safe_only),
    path("boom/drf", DrfBoomView.as_view()),
    path("boom/django", django_boom),
    path("db-down/drf", DrfDatabaseDownView.as_view()),
    path("db-down/django", django_database_down),
]

urlpatterns = [path("api/test/", include(test_patterns)), *project_urlpatterns]

handler404 = "communityrule.api.errors.handler404"
handler500 = "communityrule.api.errors.handler500"
