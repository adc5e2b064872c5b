"""Reports: pure data built from an analysis, and renderers that only format it."""
