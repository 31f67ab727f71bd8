from django.urls import include, path

from kakunin.accounts import views as accounts_views
from kakunin.core import views as core_views
from kakunin.monitoring import views as monitoring_views

urlpatterns = [
    path("", core_views.home, name="home"),
    # Before allauth's: a municipality's OpenID Connect sign-in on allauth's paths, the ID
    # token's signature always checked (directory/oidc.py); no connecting other accounts.
    path("", include("kakunin.directory.urls")),
    path("auth/", include("allauth.urls")),
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("notifications/", include("kakunin.notifications.urls")),
    path("dashboard/", include("kakunin.dashboards.urls")),
    path("reports/", include("kakunin.reports.urls")),
    path("users/self-assessment/", include("kakunin.selfcheck.urls")),
    path("", include("kakunin.accounts.urls")),
    path("systems/", include("kakunin.systems.urls")),
    path("", include("kakunin.systems.invitation_urls")),
    path("scans/", include("kakunin.scans.urls")),
    path("assessments/", include("kakunin.assessments.urls")),
    path("assessments/", include("kakunin.forms_xlsx.urls")),
    path("forms/", include("kakunin.catalog.urls")),
    path("forms/import/", include("kakunin.forms_xlsx.definition_urls")),
    path("inventory/", include("kakunin.inventory.urls")),
    path("records/", include("kakunin.records.urls")),
    path("library/", include("kakunin.library.urls")),
    path("assessments/", include("kakunin.reviews.urls")),
    path("assessments/", include("kakunin.evidence.urls")),
    path("audit/", include("kakunin.audit.urls")),
    path("", include("kakunin.monitoring.urls")),
    path("healthz", monitoring_views.healthz, name="healthz"),
    path("api/", include("kakunin.api.urls")),
    path("api-tokens/", include("kakunin.api.token_urls")),
    path("municipalities/", include("kakunin.service.urls")),
]

handler400 = "kakunin.core.views.bad_request"
handler403 = "kakunin.core.views.permission_denied"
handler404 = "kakunin.core.views.page_not_found"
# handler500 stays Django's own: it renders templates/500.html without context,
# which cannot fail the way a view with a database query could.
