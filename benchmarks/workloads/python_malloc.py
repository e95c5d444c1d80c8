"""A pure-Python order book, run with every object allocated by malloc.

Benchmark environment: PYTHONMALLOC=malloc

With PYTHONMALLOC=malloc CPython skips pymalloc and asks malloc for every
object (how a user gets per-object precision from a malloc-level profiler,
as Fil arranges), so each dict, list, string, tuple and instance built here
is one malloc and one free that the profiler sees. The job parses text
lines into objects and indexes them (the working set grows), then drains
the index customer by customer into report strings (it shrinks), with
temporaries built and dropped all along: allocations and frees interleaved
on a growing and then a shrinking heap. The harness sets the variable for
every tool, the unprofiled run included (overhead.py, "Benchmark
environment").
"""
import os

SCALE = float(os.environ.get("TIDEMARK_BENCH_SCALE", "1"))
ORDERS = max(2_000, int(100_000 * SCALE))
CUSTOMERS = 4_000
PRODUCTS = ("apple", "pear", "plum", "fig", "kiwi", "lime", "date", "yam")


class Order:
    __slots__ = ("order_id", "customer", "items", "note")

    def __init__(self, order_id, customer, items, note):
        self.order_id = order_id
        self.customer = customer
        self.items = items
        self.note = note

    def total(self):
        return sum(quantity * price for _, quantity, price in self.items)


def make_line(i):
    parts = [f"{i}", f"c{(i * 7919) % CUSTOMERS}"]
    for j in range(1 + i % 4):
        product = PRODUCTS[(i + j) % len(PRODUCTS)]
        parts.append(f"{product}:{1 + (i + j) % 5}:{(i * 31 + j) % 997 / 100}")
    return ",".join(parts)


def parse_line(line):
    fields = line.split(",")
    items = []
    for field in fields[2:]:
        product, quantity, price = field.split(":")
        items.append((product, int(quantity), float(price)))
    return Order(int(fields[0]), fields[1], items, {"source": "feed", "raw": line})


def build_index():
    """The growing phase: every order is kept, by customer."""
    by_customer = {}
    stats = {}
    for i in range(ORDERS):
        order = parse_line(make_line(i))
        by_customer.setdefault(order.customer, []).append(order)
        for product, quantity, _ in order.items:
            stats[product] = stats.get(product, 0) + quantity
    return by_customer, stats


def drain(by_customer):
    """The shrinking phase: each customer's orders become one report line."""
    lines = 0
    checksum = 0.0
    for customer in sorted(by_customer):
        orders = by_customer.pop(customer)
        totals = {o.order_id: o.total() for o in orders}
        products = sorted({p for o in orders for p, _, _ in o.items})
        report = f"{customer}: {len(orders)} orders, " + " ".join(products)
        checksum += sum(totals.values())
        lines += len(report.split())
    return lines, checksum


def main():
    by_customer, stats = build_index()
    lines, checksum = drain(by_customer)
    print(ORDERS, len(stats), lines, round(checksum, 2))


if __name__ == "__main__":
    main()
