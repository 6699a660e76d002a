"""Interactive dependency maps (issue 7)."""
