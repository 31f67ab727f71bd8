"""The audit trail, newest first, for auditors."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from kakunin import access
from kakunin.api import serializers
from kakunin.api.pagination import NewestFirst
from kakunin.api.views.common import api_view
from kakunin.audit.models import Event
from kakunin.tenants.active import current_id_for


@extend_schema(parameters=[serializers.EventFilter])
@api_view
class EventList(generics.ListAPIView):
    """The audit trail, read-only: for auditors, reviewers and administrators."""

    serializer_class = serializers.EventSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        access.require_visible(access.can_read_audit(self.request.user))
        filters = serializers.EventFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        # The municipality's own trail, as on the web (not another's, not the service's).
        municipality = current_id_for(self.request.user)
        qs = Event.objects.filter(municipality=municipality).select_related("actor")
        for field in ("action", "object_type", "object_id"):
            if wanted.get(field):
                qs = qs.filter(**{field: wanted[field]})
        if "since" in wanted:
            qs = qs.filter(at__gte=wanted["since"])
        if "until" in wanted:
            qs = qs.filter(at__lte=wanted["until"])
        return qs
