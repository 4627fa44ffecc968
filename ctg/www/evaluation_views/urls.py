app_name = "evaluation_views"

urlpatterns: list = []
