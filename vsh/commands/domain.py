"""domain commands."""
