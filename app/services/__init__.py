"""Services: what windows and commands call. They take sessions from the store, call
db/ for every query and app/core for every decision, and hand back plain values."""
