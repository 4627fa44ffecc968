from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ctg.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ctg.accounts import signals  # noqa: F401  (connects the journal receivers)
