"""Analysis engine: pure functions over in-memory graph snapshots (issue 3)."""
