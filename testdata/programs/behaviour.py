"""Scenario 9: known output on both streams and exit code 3."""
import sys

# Twelve lines holding 256 KiB each, so that the exit table has more rows
# than the default --top shows, rows printing 0.0 MiB being left out.
r01 = bytearray(1 << 18)
r02 = bytearray(1 << 18)
r03 = bytearray(1 << 18)
r04 = bytearray(1 << 18)
r05 = bytearray(1 << 18)
r06 = bytearray(1 << 18)
r07 = bytearray(1 << 18)
r08 = bytearray(1 << 18)
r09 = bytearray(1 << 18)
r10 = bytearray(1 << 18)
r11 = bytearray(1 << 18)
r12 = bytearray(1 << 18)

print("tidemark-e2e stdout: first line")
print("tidemark-e2e stdout: args=%s" % "|".join(sys.argv[1:]))
sys.stdout.flush()
print("tidemark-e2e stderr: script line", file=sys.stderr)
sys.stderr.flush()
sys.exit(3)
