from django.urls import path

from ctg.www.opendata_views import local_views

app_name = "local_data_views"

urlpatterns = [
    path("", local_views.index, name="index"),
    path("importer/", local_views.upload, name="upload"),
    path("<int:pk>/retirer/", local_views.withdraw, name="withdraw"),
]
