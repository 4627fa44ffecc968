from django.urls import path

from ctg.www.public_views import views

app_name = "public_views"

urlpatterns = [
    path("conventions/<int:pk>/", views.convention, name="convention"),
]
