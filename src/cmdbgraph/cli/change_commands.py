"""Placeholder: filled in by the issue-5 work on change_commands."""
