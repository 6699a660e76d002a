"""Importers: each turns one format's files into a :class:`~cmdbgraph.ingest.sources.SourceGraph`."""
