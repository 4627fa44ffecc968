from django.urls import path

from ctg.www.accounts_views import views

app_name = "accounts_views"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
]
