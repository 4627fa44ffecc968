from django.urls import path

from ctg.www.accounts_views import proconnect, views

app_name = "accounts_views"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oubli/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/nouveau/termine/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("mot-de-passe/modifier/", views.PasswordChangeView.as_view(), name="password_change"),
    path("proconnect/connexion/", proconnect.proconnect_login, name="proconnect_login"),
    path("proconnect/retour/", proconnect.proconnect_callback, name="proconnect_callback"),
    path("proconnect/liaison/", proconnect.proconnect_link, name="proconnect_link"),
    path("proconnect/deconnexion/", proconnect.proconnect_logout_return, name="proconnect_logout_return"),
    path("invitation/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("mon-compte/", views.profile, name="profile"),
    path("mon-compte/rappels/", views.reminder_preferences, name="reminder_preferences"),
    path("mon-compte/mes-donnees.json", views.profile_export, name="profile_export"),
    path("mon-compte/suppression/", views.profile_delete, name="profile_delete"),
    path("conventions/<int:convention_pk>/membres/", views.members, name="members"),
    path("conventions/<int:convention_pk>/membres/<int:pk>/role/", views.member_role, name="member_role"),
    path("conventions/<int:convention_pk>/membres/<int:pk>/retrait/", views.member_remove, name="member_remove"),
    path(
        "conventions/<int:convention_pk>/invitations/<int:pk>/annulation/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("conventions/<int:convention_pk>/publication/", views.publication, name="publication"),
    path("conventions/<int:convention_pk>/journal/", views.journal, name="journal"),
]
