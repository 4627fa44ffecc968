from django.contrib import admin
from django.urls import include, path

from ctg.www.jobs_views.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("compte/", include("ctg.www.accounts_views.urls")),
    path("territoires/", include("ctg.www.territories_views.urls")),
    path("donnees/", include("ctg.www.opendata_views.urls")),
    path("conventions/<int:convention_pk>/diagnostic/", include("ctg.www.indicators_views.urls")),
    path("conventions/<int:convention_pk>/offre/", include("ctg.www.offer_views.urls")),
    path("conventions/<int:convention_pk>/donnees-locales/", include("ctg.www.opendata_views.local_urls")),
    path("conventions/<int:convention_pk>/enjeux/", include("ctg.www.diagnostic_views.urls")),
    path("conventions/<int:convention_pk>/plan/", include("ctg.www.plans_views.urls")),
    path("conventions/<int:convention_pk>/pilotage/", include("ctg.www.steering_views.urls")),
    path("conventions/<int:convention_pk>/evaluation/", include("ctg.www.evaluation_views.urls")),
    path("portefeuille/", include("ctg.www.steering_views.portfolio_urls")),
    path("travaux/", include("ctg.www.jobs_views.urls")),
    path("sante/", health, name="health"),
    path("public/", include("ctg.www.public_views.urls")),
    path("", include("ctg.www.conventions_views.urls")),
]
