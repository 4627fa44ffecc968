from django.urls import path, re_path

from ctg.www.conventions_views import lifecycle, views

app_name = "conventions_views"

urlpatterns = [
    path("", views.home, name="home"),
    path("conventions/<int:pk>/", views.detail, name="detail"),
    re_path(r"^conventions/(?P<pk>[0-9]+)/carte\.(?P<fmt>svg|png)$", views.territory_map, name="territory_map"),
    path("conventions/nouvelle/", lifecycle.create, name="create"),
    path("conventions/<int:pk>/modifier/", lifecycle.edit, name="edit"),
    path("conventions/<int:pk>/phase/", views.change_phase, name="change_phase"),
    path("conventions/<int:pk>/phase/retour/", lifecycle.phase_back, name="phase_back"),
    path("conventions/<int:pk>/signataires/ajout/", lifecycle.signatory_create, name="signatory_create"),
    path(
        "conventions/<int:pk>/signataires/<int:signatory_pk>/modifier/",
        lifecycle.signatory_edit,
        name="signatory_edit",
    ),
    path(
        "conventions/<int:pk>/signataires/<int:signatory_pk>/retrait/",
        lifecycle.signatory_delete,
        name="signatory_delete",
    ),
    path("conventions/<int:pk>/documents/depot/", lifecycle.document_create, name="document_create"),
    path(
        "conventions/<int:pk>/documents/<int:document_pk>/retrait/",
        lifecycle.document_delete,
        name="document_delete",
    ),
    path(
        "conventions/<int:pk>/documents/<int:document_pk>/telecharger/",
        lifecycle.document_download,
        name="document_download",
    ),
]
