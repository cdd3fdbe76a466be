"""What ``OPTIONS`` answers on an API route."""

from rest_framework.metadata import SimpleMetadata


class RouteMetadata(SimpleMetadata):
    """The route's name, description and media types, without DRF's "actions".

    DRF's default describes the POST/PUT form from ``get_serializer()``, which
    our views do not provide (they name their serializers per method), so it
    raised; the full description of every route is ``/api/schema``.
    """

    def determine_metadata(self, request, view):
        metadata = super().determine_metadata(request, view)
        metadata.pop("actions", None)
        return metadata

    def determine_actions(self, request, view):
        return {}
