"""Qt widgets, windows and item models."""
