"""monitor commands."""
