"""Service management on the graph: tickets, changes, knowledge, catalog (issue 5)."""
