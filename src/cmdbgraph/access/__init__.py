"""Who may do what: API tokens, roles and their permissions, masking and redaction.

Pure policy (:mod:`~cmdbgraph.access.roles`) and the hashed token file
(:mod:`~cmdbgraph.access.tokens`); the GraphQL app and the map routes enforce them.
"""
