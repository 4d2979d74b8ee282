"""host commands."""
