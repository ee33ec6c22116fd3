"""The county's central PostgreSQL: schema (its own Alembic history), roles, row-level
security, and the versioned functions through which the workstations sync."""
