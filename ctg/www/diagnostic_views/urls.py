from django.urls import path  # noqa: F401

app_name = "diagnostic_views"

urlpatterns = []
