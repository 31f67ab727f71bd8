from django.urls import include, path


def boom(request):
    raise RuntimeError("secret internal detail /etc/kakunin")


urlpatterns = [path("boom/", boom), path("", include("kakunin.urls"))]
