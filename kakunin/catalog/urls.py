from django.urls import path

from kakunin.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.form_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/compare/<int:other>/", views.compare, name="compare"),
    path("<int:pk>/oscal.json", views.oscal, name="oscal"),
    path("<int:pk>/items/<slug:key>/", views.item_edit, name="item"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/high/", views.high, name="high"),
    path("<int:pk>/new-version/", views.new_version, name="new_version"),
]
