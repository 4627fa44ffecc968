from django.urls import path

from ctg.www.jobs_views import views

app_name = "jobs_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/etat/", views.status, name="status"),
    path("<int:pk>/fichier/", views.result_file, name="file"),
]
