"""The migrations build, on an empty database of their own, the database the tests run on.

The test databases are created from the models (config.settings.test, tests/conftest.py): `makemigrations --check`
(make quality) says that the migrations describe the models, and this test applies them, on the database engine
the suite runs on, to compare what they build with the test database.
"""

import copy

import pytest
from django.apps import apps
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import ConnectionHandler

from ctg.conventions.models import Theme


def _schema(database) -> dict:
    """Every table with its columns (name, type, nullability) and its constraints (what they hold, not their name)."""
    schema = {}
    with database.cursor() as cursor:
        for table in sorted(database.introspection.table_names(cursor)):
            columns = {
                (column.name, str(column.type_code), bool(column.null_ok))
                for column in database.introspection.get_table_description(cursor, table)
            }
            constraints = sorted(
                repr(
                    (
                        tuple(constraint["columns"] or ()),
                        constraint["primary_key"],
                        constraint["unique"],
                        constraint["foreign_key"],
                        constraint["check"],
                        constraint["index"],
                    )
                )
                for constraint in database.introspection.get_constraints(cursor, table).values()
            )
            schema[table] = {"columns": sorted(columns), "constraints": constraints}
    return schema


def _project_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for app in apps.get_app_configs()
        if app.name.startswith("ctg.")
        for model in app.get_models(include_auto_created=True)
        if model._meta.managed
    )


def _rows(database, sql: str) -> list[tuple]:
    with database.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall())


@pytest.mark.long
@pytest.mark.django_db
def test_migrations_build_the_test_database(tmp_path):
    settings_dict = copy.deepcopy(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["TEST"]["NAME"] = str(tmp_path / "migrated.sqlite3")
    else:
        settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_migrated"
    migrated = ConnectionHandler({"default": settings_dict})["default"]
    name = migrated.creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    migrated.close()
    migrated.settings_dict["NAME"] = name
    tested = connections["default"]
    # The data migrations write through the default connection: it is the new database while they run.
    connections["default"] = migrated
    try:
        executor = MigrationExecutor(migrated)
        executor.migrate(executor.loader.graph.leaf_nodes())
        themes = 'SELECT code, label, "order" FROM conventions_theme WHERE convention_id IS NULL'
        migrations = "SELECT app, name FROM django_migrations"
        migrated_schema, migrated_themes = _schema(migrated), _rows(migrated, themes)
        migrated_records = _rows(migrated, migrations)
    finally:
        connections["default"] = tested
        migrated.close()
        migrated.creation._destroy_test_db(name, verbosity=0)
    tested_schema = _schema(connection)
    assert sorted(migrated_schema) == sorted(tested_schema)
    # Django's own tables are its business (its auth migrations leave one id column wider than its models say).
    for table in _project_tables():
        assert migrated_schema[table] == tested_schema[table], table
    assert migrated_themes == _rows(connection, themes)
    assert len(migrated_themes) == Theme.objects.filter(convention=None).count() == 7
    assert migrated_records == _rows(connection, migrations)
