"""Content negotiation for an API that only speaks JSON (SPEC §4)."""

from rest_framework.negotiation import DefaultContentNegotiation


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Always render with the view's first renderer, whatever ``Accept`` says.

    DRF's default answers 406 to ``Accept: text/html``; SPEC §4 wants JSON
    whatever the client asked for. Parsers are still chosen by Content-Type.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
