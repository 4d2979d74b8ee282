"""snapshot commands."""
