"""What the harness runs: one line per profiler (or Tidemark mode).

A new mode or backend joins by adding one line to TOOLS. Command words are
templates filled per run from a Context:

  {python}    Debian's /usr/bin/python3 (the unprofiled baseline's Python)
  {venv}      the peers' venv (setup_peers.sh), same Python plus Fil/memray
  {workload}  absolute path of the workload script
  {out}       an empty folder for this run's reports
  {profile}   //tools:profile          {library}  //tools:libtidemark.so
  {here}      the benchmarks/ folder (for harness/tracemalloc_run.py)

`peak` reads the peak the tool itself reports from the files in {out};
it returns bytes, or raises PeakUnavailable with the reason that goes
into the report.
"""
import dataclasses
import glob
import json
import os
import re
import shutil
import subprocess
from typing import Callable, Dict, Optional, Tuple


class PeakUnavailable(Exception):
    """The tool ran but its report gives no usable peak; str() says why."""


@dataclasses.dataclass(frozen=True)
class Context:
    python: str
    workload: str
    out: str
    here: str
    profile: str = ""
    library: str = ""
    venv: str = ""

    def fill(self, template: str) -> str:
        return template.format(**dataclasses.asdict(self))


@dataclasses.dataclass(frozen=True)
class Tool:
    name: str
    argv: Tuple[str, ...]
    peak: Optional[Callable[[Context], int]] = None
    env: Tuple[Tuple[str, str], ...] = ()
    quick: bool = False  # part of --quick, so it must need nothing installed
    # What it cannot run without: a Context field ("venv"), a program on
    # PATH ("heaptrack") or a path template ("{venv}/bin/memray").
    needs: Tuple[str, ...] = ()
    note: str = ""  # printed under the table

    def command(self, ctx: Context):
        return [ctx.fill(word) for word in self.argv]

    def environment(self, ctx: Context) -> Dict[str, str]:
        return {key: ctx.fill(value) for key, value in self.env}

    def missing(self, ctx: Context) -> Optional[str]:
        """Why this tool cannot run here, or None."""
        for need in self.needs:
            if need in dataclasses.asdict(ctx):
                if not getattr(ctx, need):
                    return f"no {need} (run benchmarks/setup_peers.sh)"
            elif "/" in need:
                path = ctx.fill(need)
                if not os.access(path, os.X_OK):
                    return f"{path} not installed (run benchmarks/setup_peers.sh)"
            elif shutil.which(need) is None:
                return f"{need} not installed (run benchmarks/setup_peers.sh)"
        return None


# --- peak parsers -----------------------------------------------------------

def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise PeakUnavailable(f"no readable {os.path.basename(path)}: {e}")


def tidemark_peak(ctx):
    """The job's highest peak: job.json's highest_peak when the job folder
    has one folder per process (issue 9), else the one summary.json."""
    index = os.path.join(ctx.out, "job.json")
    if os.path.exists(index):
        highest = _read_json(index).get("highest_peak")
        if not highest or not isinstance(highest.get("peak_bytes"), int):
            raise PeakUnavailable("job.json names no highest peak")
        return highest["peak_bytes"]
    return int(_read_json(os.path.join(ctx.out, "summary.json"))["peak_bytes"])


def tracemalloc_peak(ctx):
    # Written by harness/tracemalloc_run.py from tracemalloc.get_traced_memory().
    return int(_read_json(os.path.join(ctx.out, "tracemalloc.json"))["peak_bytes"])


def fil_peak(ctx):
    # peak-memory.prof holds the folded stacks live at the peak, one
    # "stack bytes" line each: their sum is Fil's peak, in exact bytes
    # (the SVG title only has a rounded MiB figure).
    profs = glob.glob(os.path.join(ctx.out, "*", "peak-memory.prof"))
    if not profs:
        raise PeakUnavailable("Fil wrote no peak-memory.prof")
    with open(profs[0]) as f:
        return sum(int(line.rsplit(" ", 1)[1]) for line in f if line.strip())


def memray_peak(ctx):
    # `memray stats --json` post-processes the capture after the timed run.
    capture = os.path.join(ctx.out, "capture.bin")
    stats = os.path.join(ctx.out, "stats.json")
    done = subprocess.run([ctx.venv + "/bin/memray", "stats", "--json", "-o", stats,
                           "-f", capture], capture_output=True, text=True)
    if done.returncode != 0:
        raise PeakUnavailable(f"memray stats failed: {done.stderr.strip()[-200:]}")
    return int(_read_json(stats)["metadata"]["peak_memory"])


def scalene_peak(ctx):
    data = _read_json(os.path.join(ctx.out, "scalene.json"))
    mb = float(data.get("max_footprint_mb") or 0)
    if mb <= 0:
        # Debian's scalene 1.5.16 samples allocations on Python 3.11 but
        # attributes none of them, so its footprint stays 0.
        raise PeakUnavailable("scalene reported max_footprint_mb=0 (no memory attributed)")
    return int(mb * 1024 * 1024)


_HEAPTRACK_UNITS = {"B": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def heaptrack_peak(ctx):
    files = glob.glob(os.path.join(ctx.out, "heaptrack*.*z*"))
    if not files:
        raise PeakUnavailable("heaptrack wrote no data file")
    # Only the summary is needed; -p/-a/-T 0 skip the costly backtrace lists.
    done = subprocess.run(["heaptrack_print", "-p", "0", "-a", "0", "-T", "0",
                           "-l", "0", files[0]], capture_output=True, text=True)
    match = re.search(r"peak heap memory consumption: ([\d.]+)([BKMGT])",
                      done.stdout)
    if not match:
        raise PeakUnavailable("heaptrack_print printed no peak")
    # heaptrack_print scales by 1000 (checked: a 10^9-byte malloc prints 1.00G).
    return int(float(match.group(1)) * _HEAPTRACK_UNITS[match.group(2)])


def massif_peak(ctx):
    # Massif keeps a "peak" snapshot within --peak-inaccuracy (1%) of the
    # true peak, so the largest mem_heap_B of all snapshots is its peak.
    path = os.path.join(ctx.out, "massif.out")
    try:
        with open(path) as f:
            sizes = [int(line.split("=", 1)[1]) for line in f
                     if line.startswith("mem_heap_B=")]
    except OSError as e:
        raise PeakUnavailable(f"no massif.out: {e}")
    if not sizes:
        raise PeakUnavailable("massif.out has no snapshots")
    return max(sizes)


# --- the table --------------------------------------------------------------

TIDEMARK = ("{profile}", "--output", "{out}")
TIDEMARK_ENV = (("TIDEMARK_LIBRARY", "{library}"),)

TOOLS = [
    Tool("unprofiled", ("{python}", "{workload}"), quick=True),
    Tool("tidemark-exact", TIDEMARK + ("--mode=exact", "--", "{python}", "{workload}"),
         tidemark_peak, TIDEMARK_ENV, quick=True, needs=("profile", "library")),
    # The default interval (1 MiB): no --sample-interval on purpose.
    Tool("tidemark-sample", TIDEMARK + ("--mode=sample", "--", "{python}", "{workload}"),
         tidemark_peak, TIDEMARK_ENV, quick=True, needs=("profile", "library")),
    # Hybrid Python + native stacks (cpython+libunwind), exact mode.
    Tool("tidemark-native", TIDEMARK + ("--mode=exact", "--native", "--", "{python}",
                                        "{workload}"),
         tidemark_peak, TIDEMARK_ENV, needs=("profile", "library")),
    Tool("memray-native", ("{venv}/bin/memray", "run", "-q", "--native", "-o",
                           "{out}/capture.bin", "{workload}"),
         memray_peak, needs=("venv", "{venv}/bin/memray")),
    Tool("tracemalloc", ("{python}", "{here}/harness/tracemalloc_run.py", "{out}", "{workload}"),
         tracemalloc_peak, quick=True),
    Tool("fil", ("{venv}/bin/fil-profile", "-o", "{out}", "--no-browser", "run", "{workload}"),
         fil_peak, needs=("venv", "{venv}/bin/fil-profile")),
    Tool("memray", ("{venv}/bin/memray", "run", "-q", "-o", "{out}/capture.bin", "{workload}"),
         memray_peak, needs=("venv", "{venv}/bin/memray")),
    # Follows forked children into capture files of their own, as Tidemark
    # does by default (the multiprocessing workload's fair comparison).
    Tool("memray-follow-fork", ("{venv}/bin/memray", "run", "-q", "--follow-fork", "-o",
                                "{out}/capture.bin", "{workload}"),
         memray_peak, needs=("venv", "{venv}/bin/memray")),
    Tool("scalene-debian", ("{python}", "-m", "scalene", "--cli", "--json", "--memory",
                            "--outfile", "{out}/scalene.json", "{workload}"),
         scalene_peak, needs=("/usr/bin/scalene",),
         note="Debian 12's python3-scalene 1.5.16; it profiles CPU too (no memory-only switch)."),
    Tool("scalene-pypi", ("{venv}/bin/python", "-m", "scalene", "run", "-o", "{out}/scalene.json",
                          "{workload}"),
         scalene_peak, needs=("venv", "{venv}/lib/python3.11/site-packages/scalene"),
         note="PyPI scalene 2.x in the peers venv, added because Debian's reports no peak; "
              "memory and CPU on (its default)."),
    Tool("heaptrack", ("heaptrack", "-o", "{out}/heaptrack", "{python}", "{workload}"),
         heaptrack_peak, needs=("heaptrack", "heaptrack_print")),
    Tool("massif", ("valgrind", "--tool=massif", "--massif-out-file={out}/massif.out",
                    "{python}", "{workload}"),
         massif_peak, needs=("valgrind",)),
]

BASELINE = TOOLS[0].name
