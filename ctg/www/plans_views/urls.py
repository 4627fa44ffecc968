from django.urls import path

from ctg.www.plans_views import deletion, exports, views

app_name = "plans_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("mes-actions/", views.mine, name="mine"),
    path("calendrier/", views.timeline, name="timeline"),
    path("calendrier.<str:fmt>", views.timeline_image, name="timeline_image"),
    path("historique/", views.activity, name="activity"),
    path("corbeille/", deletion.trash_view, name="trash"),
    path("corbeille/<int:pk>/restaurer/", deletion.action_restore, name="action_restore"),
    path("export.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("export.csv", exports.export_csv, name="export_csv"),
    path("export.docx", exports.export_docx, name="export_docx"),
    path("import/", exports.import_xlsx, name="import_xlsx"),
    path("objectifs/nouveau/", views.objective_create, name="objective_create"),
    path("objectifs/<int:pk>/modifier/", views.objective_edit, name="objective_edit"),
    path("objectifs/<int:pk>/supprimer/", views.objective_delete, name="objective_delete"),
    path(
        "objectifs/<int:pk>/indicateurs/nouveau/", views.objective_indicator_create, name="objective_indicator_create"
    ),
    path(
        "objectifs/<int:pk>/indicateurs/<int:item_pk>/valeur/",
        views.objective_measure_create,
        name="objective_measure_create",
    ),
    path("actions/nouvelle/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action_detail_view, name="action_detail"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/suivi/", views.action_follow_up, name="action_follow_up"),
    path("actions/<int:pk>/supprimer/", deletion.action_delete, name="action_delete"),
    path("actions/<int:pk>/fiche.docx", exports.action_docx, name="action_docx"),
    path("actions/<int:pk>/jalons/nouveau/", views.milestone_create, name="milestone_create"),
    path("actions/<int:pk>/jalons/<int:item_pk>/modifier/", views.milestone_edit, name="milestone_edit"),
    path("actions/<int:pk>/notes/nouvelle/", views.note_create, name="note_create"),
    path("actions/<int:pk>/liens/nouveau/", views.link_create, name="link_create"),
    path("actions/<int:pk>/financements/nouveau/", views.funding_create, name="funding_create"),
    path("actions/<int:pk>/financements/<int:item_pk>/modifier/", views.funding_edit, name="funding_edit"),
    path("actions/<int:pk>/indicateurs/nouveau/", views.indicator_create, name="indicator_create"),
    path("actions/<int:pk>/indicateurs/<int:item_pk>/modifier/", views.indicator_edit, name="indicator_edit"),
    path("actions/<int:pk>/indicateurs/<int:item_pk>/cible/", views.target_create, name="target_create"),
    path("actions/<int:pk>/indicateurs/<int:item_pk>/mesure/", views.measure_create, name="measure_create"),
    path("actions/<int:pk>/<slug:kind>/<int:item_pk>/supprimer/", deletion.child_delete, name="child_delete"),
]
