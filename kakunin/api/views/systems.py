"""Systems: the list, one system, its scans and its yearly reports."""

from rest_framework import generics

from kakunin import access
from kakunin.api import serializers
from kakunin.api.views.common import api_view
from kakunin.audit.trail import record_view


@api_view
class SystemList(generics.ListAPIView):
    serializer_class = serializers.SystemSerializer

    def get_queryset(self):
        return access.visible_systems(self.request.user).select_related("department").order_by("pk")


@api_view
class SystemDetail(generics.RetrieveAPIView):
    serializer_class = serializers.SystemDetailSerializer

    def get_object(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        record_view(
            self.request.user, system, system
        )  # as on the web (log-collection, security-event-logging)
        return system


@api_view
class SystemScans(generics.ListAPIView):
    """The scans of one system's sites, newest first, with their results."""

    serializer_class = serializers.ScanSerializer

    def get_queryset(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        return system.scans.prefetch_related("results").order_by("-created_at", "-pk")


@api_view
class SystemAnnualReports(generics.ListAPIView):
    """The system's yearly reports (security-status-report), newest year first: their state and the
    ward's verdict on each section."""

    serializer_class = serializers.AnnualReportSerializer

    def get_queryset(self):
        system = access.get_system_for_user(self.request, self.kwargs["pk"])
        return system.annual_reports.prefetch_related("reviews__by").order_by("-fiscal_year")
