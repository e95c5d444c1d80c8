"""JSON encode/decode of a large nested document.

The encoder builds one big string (a few large reallocs) and the decoder
builds millions of small dicts, lists, strings and floats.
"""
import json
import os

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
ITEMS = max(1_000, int(200_000 * SCALE))
ROUNDS = 3


def make_document():
    return {
        "version": 3,
        "items": [
            {
                "id": i,
                "label": f"item {i}",
                "price": i * 0.37,
                "flags": [i % 2 == 0, i % 3 == 0],
                "attrs": {"color": ("red", "green", "blue")[i % 3], "size": i % 40},
            }
            for i in range(ITEMS)
        ],
    }


def main():
    doc = make_document()
    size = 0
    for _ in range(ROUNDS):
        text = json.dumps(doc)
        doc = json.loads(text)
        size += len(text)
    pretty = json.dumps(doc["items"][:20_000], indent=2, sort_keys=True)
    print(size, len(pretty))


if __name__ == "__main__":
    main()
