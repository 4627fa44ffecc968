"""Model fields shared by the domains."""

from django.db import models


class RowidAutoField(models.BigAutoField):
    """The primary key of the tables of millions of rows written in bulk (official cells, computed values): on
    SQLite a plain alias of the rowid, without AUTOINCREMENT, whose bookkeeping table is written for every row
    inserted (about a fifth of the time of a national load, measured by bench/indicators.py). The only difference
    is that the id of a row deleted at the end of the table may be given again; nothing refers to these rows by
    id outside the transaction that reads them. PostgreSQL's column is the same as BigAutoField's."""

    def db_type_suffix(self, connection):
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)
