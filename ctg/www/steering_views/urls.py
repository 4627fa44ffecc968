app_name = "steering_views"

urlpatterns: list = []
