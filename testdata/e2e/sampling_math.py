"""The statistics of Tidemark's byte sampler, for the sample-mode tests.

The sampler marks points on the line of allocated bytes as a Poisson process
with mean gap R (the sampling interval). An allocation of `size` bytes holds
at least one point with probability p = 1 - exp(-size / R); when it does, it
is recorded with weight size / p (so its expected contribution is exactly
`size`), and allocations of at least R bytes are recorded at their size.

The estimate of a site made of n allocations of one size is then unbiased
with variance n * size**2 * (1 - p) / p. For small allocations
size**2 (1 - p) / p is close to size * R, so a site's odd small allocations
(object headers, list growth) of B bytes in all add at most B * R.
"""
import math

DEFAULT_INTERVAL = 1 << 20  # the sampler's default R, 1 MiB


def inclusion_probability(size, interval):
    return 1.0 if size >= interval else -math.expm1(-size / interval)


def variance_of_uniform_site(count, size, interval):
    """Variance of the estimated bytes of COUNT allocations of SIZE."""
    p = inclusion_probability(size, interval)
    return count * size * size * (1.0 - p) / p


def variance_of_small_bytes(total, interval):
    """An upper bound for TOTAL bytes in allocations much smaller than R."""
    return max(total, 0) * interval


def four_sigma(variance):
    return 4.0 * math.sqrt(variance)


def relative_bound_of_total(total, interval):
    """Four standard deviations of an estimated total, relative to it: the
    total's variance is about total * R (see above)."""
    return 4.0 * math.sqrt(interval / total)
