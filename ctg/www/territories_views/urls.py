from django.urls import path

from ctg.www.territories_views import views

app_name = "territories_views"

urlpatterns = [
    path("", views.search, name="search"),
    path("epci/<str:siren>/", views.epci, name="epci"),
    path("communes/<str:code>/", views.commune, name="commune"),
]
