"""Scenario 9: known output on both streams and exit code 3."""
import sys

print("tidemark-e2e stdout: first line")
print("tidemark-e2e stdout: args=%s" % "|".join(sys.argv[1:]))
sys.stdout.flush()
print("tidemark-e2e stderr: script line", file=sys.stderr)
sys.stderr.flush()
sys.exit(3)
