"""The portfolio of a département (not tied to one convention, hence its own prefix)."""

from django.urls import path, re_path

from ctg.www.steering_views import portfolio

app_name = "portfolio_views"

urlpatterns = [
    path("", portfolio.index, name="index"),
    path("<str:code>/", portfolio.departement, name="departement"),
    re_path(r"^(?P<code>[0-9A-Z]{2,3})/export\.(?P<fmt>csv|xlsx)$", portfolio.export, name="export"),
]
