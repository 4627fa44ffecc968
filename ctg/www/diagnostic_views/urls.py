from django.urls import path

from ctg.www.diagnostic_views import views

app_name = "diagnostic_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("ajouter/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/valider/", views.validate, name="validate"),
]
