"""All SQL lives in this package: one module per table family, functions taking a Store
(db/store.py: SQLite or PostgreSQL). Write portable SQL with `?` placeholders and LIKE (matched
case-insensitively on both); what is not portable comes from `db.dialect`."""
