"""checkpoint commands."""
