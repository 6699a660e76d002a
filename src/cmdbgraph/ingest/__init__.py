"""Getting data in and out: graph files and the demo enterprise."""
