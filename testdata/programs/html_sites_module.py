"""Imported by html_sites.py: its top level holds 4 MiB (IMPORTED), so
that memory is allocated at import time, under the import machinery."""
BLOCK = bytearray(4 << 20)  # IMPORTED
