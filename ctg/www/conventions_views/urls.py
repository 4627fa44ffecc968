from django.urls import path, re_path

from ctg.www.conventions_views import views

app_name = "conventions_views"

urlpatterns = [
    path("", views.home, name="home"),
    path("conventions/<int:pk>/", views.detail, name="detail"),
    re_path(r"^conventions/(?P<pk>[0-9]+)/carte\.(?P<fmt>svg|png)$", views.territory_map, name="territory_map"),
    path("conventions/<int:pk>/phase/", views.change_phase, name="change_phase"),
]
