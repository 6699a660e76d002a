"""``python -m cmdbgraph.cli``."""

from cmdbgraph.cli.app import main

main()
