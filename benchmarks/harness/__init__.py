"""The overhead harness: tool table, measuring, report rendering."""
