from django.urls import path, re_path

from ctg.www.indicators_views import exports, views

app_name = "indicators_views"

urlpatterns = [
    path("", views.index, name="index"),
    path("communes/<str:code>/", views.commune, name="commune"),
    re_path(r"^cartes/(?P<indicator>[a-z0-9_]+)\.(?P<fmt>svg|png)$", views.indicator_map, name="map"),
    path("export/rapport.docx", exports.export_docx, name="export_docx"),
    path("export/rapport.pdf", exports.export_pdf, name="export_pdf"),
    path("export/indicateurs.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("export/indicateurs.csv", exports.export_csv, name="export_csv"),
]
