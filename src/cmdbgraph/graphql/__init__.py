"""GraphQL API: strawberry schema, auth, limits, starlette app (issue 6)."""
