from django.urls import path

from kakunin.service import views

app_name = "service"
urlpatterns = [
    path("", views.municipalities, name="municipalities"),
    path("<str:code>/switch/", views.switch, name="switch"),
    path("operator/", views.operator, name="operator"),
    path("operator/<str:code>/suspend/", views.suspend, name="suspend"),
]
