from django.urls import path

from kakunin.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
