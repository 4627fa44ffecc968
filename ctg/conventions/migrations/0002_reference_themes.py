from django.db import migrations

REFERENCE_THEMES = [
    ("acces-aux-droits", "Accès aux droits", 10),
    ("petite-enfance", "Petite enfance", 20),
    ("enfance-jeunesse", "Enfance et jeunesse", 30),
    ("parentalite", "Parentalité", 40),
    ("animation-vie-sociale", "Animation de la vie sociale", 50),
    ("logement", "Logement et gens du voyage", 60),
    ("handicap", "Handicap à visée inclusive", 70),
]


def create_reference_themes(apps, schema_editor):
    Theme = apps.get_model("conventions", "Theme")
    for code, label, order in REFERENCE_THEMES:
        Theme.objects.get_or_create(code=code, convention=None, defaults={"label": label, "order": order})


class Migration(migrations.Migration):
    dependencies = [("conventions", "0001_initial")]
    operations = [migrations.RunPython(create_reference_themes, migrations.RunPython.noop)]
