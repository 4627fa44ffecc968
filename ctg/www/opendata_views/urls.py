from django.urls import path

from ctg.www.opendata_views import views

app_name = "opendata_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("importer/", views.upload, name="upload"),
    path("<int:pk>/retirer/", views.withdraw, name="withdraw"),
]
