from django.urls import path, re_path

from ctg.www.diagnostic_views import views

app_name = "diagnostic_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("communes/<str:code>/", views.commune, name="commune"),
    re_path(r"^cartes/(?P<indicator>[a-z0-9_]+)\.(?P<fmt>svg|png)$", views.indicator_map, name="map"),
]
