"""Sync with the county's PostgreSQL: the local outbox (written with every change), the
push and pull client, and the first start of a new workstation. No Qt here."""
