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


def bernstein_bound(variance, max_deviation, tail):
    """A deviation t with P(|estimate - truth| >= t) <= TAIL, for a sum of
    independent terms each within MAX_DEVIATION of its mean (a sampled
    block's weight s/p at most) and total VARIANCE, by Bernstein's
    inequality: P(|S| >= t) <= 2 exp(-t^2 / (2 (variance + M t / 3))).
    Unlike a normal approximation this holds for the skewed sums of a site
    with few samples (the tiny site has about 20)."""
    log_term = math.log(2.0 / tail)
    linear = log_term * max_deviation / 3.0
    return linear + math.sqrt(linear * linear + 2.0 * log_term * variance)


def chi_square_survival_odd(x, k):
    """P(X >= x) for X chi-square with an odd number K of degrees of
    freedom (closed form: erfc plus a finite series)."""
    if k % 2 != 1:
        raise ValueError("odd degrees of freedom only")
    if x <= 0:
        return 1.0
    total = math.erfc(math.sqrt(x / 2.0))
    term = math.sqrt(2.0 * x / math.pi) * math.exp(-x / 2.0)
    for j in range(1, (k - 1) // 2 + 1):
        total += term
        term *= x / (2 * j + 1)
    return total


def chi_square_threshold(k, tail):
    """The x with P(X >= x) = TAIL for chi-square with K (odd) degrees of
    freedom, by bisection."""
    low, high = 0.0, 1000.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if chi_square_survival_odd(middle, k) > tail:
            low = middle
        else:
            high = middle
    return high


def small_bytes_slack(total, interval, tail):
    """A deviation t with P(|estimate - truth| > t) <= TAIL for TOTAL bytes
    in allocations no larger than TOTAL, each far below INTERVAL (object
    headers on a line that also holds a block of at least the interval).

    Those allocations are either not drawn (estimate 0, off by at most
    TOTAL) or drawn at a weight s / p(s) of a little more than the interval
    each, so a 4-sigma slack (4 sqrt(TOTAL * R)) is beaten by a single draw.
    The number of draws is at most Poisson with mean TOTAL / R; take the
    smallest count k whose upper tail is at most TAIL and allow k draws at
    the largest weight."""
    mean = total / interval
    weight = total / inclusion_probability(total, interval)
    term = math.exp(-mean)  # P(N = 0)
    below = term
    k = 0
    while 1.0 - below > tail:
        k += 1
        term *= mean / k
        below += term
    return max(k * weight, total)


def report_bound(estimate, samples, interval):
    """The bound the reports print beside a sample-mode estimate of ESTIMATE
    bytes resting on SAMPLES records (None: unknown), as
    reporters/common/sampling_bound.h defines it: 4 R (2 + sqrt(n + 4)),
    n = min(SAMPLES, ESTIMATE / R), rounded up to a byte."""
    by_bytes = max(estimate, 0) / interval
    n = min(samples, by_bytes) if samples is not None and samples > 0 else by_bytes
    return math.ceil(4.0 * interval * (2.0 + math.sqrt(n + 4.0)))
