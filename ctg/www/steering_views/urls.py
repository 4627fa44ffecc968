"""Pages of the steering domain."""

from django.urls import path

from ctg.www.steering_views import calendar, pack, views

app_name = "steering_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("instances/ajouter/", views.body_create, name="body_create"),
    path("instances/<int:pk>/", views.body_view, name="body_detail"),
    path("instances/<int:pk>/modifier/", views.body_edit, name="body_edit"),
    path("instances/<int:pk>/membres/ajouter/", views.member_add, name="member_add"),
    path("instances/<int:pk>/membres/<int:member_pk>/retirer/", views.member_remove, name="member_remove"),
    path("instances/<int:pk>/membres/<int:member_pk>/modifier/", views.member_edit, name="member_edit"),
    path("instances/<int:pk>/reunions/ajouter/", views.meeting_create, name="meeting_create"),
    path("reunions/<int:pk>/", views.meeting_view, name="meeting_detail"),
    path("reunions/<int:pk>/modifier/", views.meeting_edit, name="meeting_edit"),
    path("reunions/<int:pk>/etat/", views.meeting_transition, name="meeting_transition"),
    path("reunions/<int:pk>/ordre-du-jour/ajouter/", views.agenda_item_add, name="agenda_item_add"),
    path("reunions/<int:pk>/ordre-du-jour/<int:item_pk>/modifier/", views.agenda_item_edit, name="agenda_item_edit"),
    path(
        "reunions/<int:pk>/ordre-du-jour/<int:item_pk>/retirer/", views.agenda_item_delete, name="agenda_item_delete"
    ),
    path("reunions/<int:pk>/ordre-du-jour/<int:item_pk>/suites/ajouter/", views.outcome_add, name="outcome_add"),
    path("reunions/<int:pk>/presences/", views.attendance, name="attendance"),
    path("reunions/<int:pk>/invites/ajouter/", views.guest_add, name="guest_add"),
    path("reunions/<int:pk>/invites/<int:guest_pk>/retirer/", views.guest_remove, name="guest_remove"),
    path("reunions/<int:pk>/compte-rendu/", views.minutes, name="minutes"),
    path("reunions/<int:pk>/compte-rendu/reponse/", views.minutes_answer, name="minutes_answer"),
    path("taches/<int:pk>/faite/", views.follow_up_done, name="follow_up_done"),
    path("agenda/", calendar.calendar, name="calendar"),
    path("agenda/lien/", calendar.calendar_renew, name="calendar_renew"),
    path("agenda/lien/revoquer/", calendar.calendar_revoke, name="calendar_revoke"),
    path("agenda/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("reunions/<int:pk>/invitation.ics", calendar.meeting_invitation_download, name="meeting_invitation"),
    path("reunions/<int:pk>/dossier-de-seance/<slug:fmt>/", pack.meeting_pack, name="meeting_pack"),
    path("bilan-annuel/<int:year>/<slug:fmt>/", pack.annual_review, name="annual_review"),
]
