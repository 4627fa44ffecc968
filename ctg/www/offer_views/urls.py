from django.urls import path, re_path

from ctg.www.offer_views import views

app_name = "offer_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("ajouter/", views.create, name="create"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/supprimer/", views.delete, name="delete"),
    path("importer/", views.import_csv, name="import"),
    path("totaux/ajouter/", views.total_record, name="total_record"),
    re_path(r"^relais/carte\.(?P<fmt>svg|png)$", views.coverage_map, name="coverage_map"),
]
