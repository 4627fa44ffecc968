"""Pages of the evaluation domain."""

from django.urls import path

from ctg.www.evaluation_views import survey_links, views

app_name = "evaluation_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("synthese/", views.overview, name="overview"),
    path("par-commune/", views.communes, name="communes"),
    path("par-commune.xlsx", views.communes_xlsx, name="communes_xlsx"),
    path("par-commune.csv", views.communes_csv, name="communes_csv"),
    path("conclusions/", views.conclusions, name="conclusions"),
    path("rapport-evaluation.docx", views.report_docx, name="report_docx"),
    path("rapport-evaluation.pdf", views.report_pdf, name="report_pdf"),
    path("questionnaire/", views.survey, name="survey"),
    path("questionnaire/etat/", views.survey_state, name="survey_state"),
    path("questionnaire/<int:organisation_pk>/", views.survey_answer, name="survey_answer"),
    path("questionnaire/liens/", survey_links.links, name="survey_links"),
    path("questionnaire/liens/<int:organisation_pk>/creer/", survey_links.link_renew, name="survey_link_renew"),
    path("questionnaire/liens/<int:organisation_pk>/revoquer/", survey_links.link_revoke, name="survey_link_revoke"),
    path("questionnaire/liens/<int:organisation_pk>/envoyer/", survey_links.link_email, name="survey_link_email"),
    # Deliberately public: the token of the link is the credential (see survey_links.public_answer).
    path("questionnaire/reponse/<str:token>/", survey_links.public_answer, name="survey_link_answer"),
    path("photographies/<slug:kind>/nouvelle/", views.snapshot_create, name="snapshot_create"),
    path("ce-qui-a-change/", views.changes, name="changes"),
    path("ce-qui-a-change.xlsx", views.changes_xlsx, name="changes_xlsx"),
    path("ce-qui-a-change.csv", views.changes_csv, name="changes_csv"),
    path("actions/<int:pk>/grille/", views.action_grid, name="action_grid"),
    path("actions/<int:pk>/grille/valider/", views.action_grid_validate, name="action_grid_validate"),
    path("convention-suivante/", views.renewal_prepare, name="renewal_prepare"),
    path("reprise/", views.renewal_summary, name="renewal_summary"),
]
