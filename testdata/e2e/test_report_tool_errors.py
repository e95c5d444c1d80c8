"""`report` on a damaged profile.tidemark: exit 1 and a `tidemark:` line
naming the file and what is wrong; never a crash, never a report.

The stored profile comes from a real job (kill_after_peak.py under
LD_PRELOAD, exact mode, SIGKILLed after its peak); `report` must render the
intact copy (the peak's 64 and 32 MiB lines). Then each damaged copy, in a
folder of its own:

  - cut short at several sizes (all below the bytes the header says are in
    use): nothing, inside the magic, inside the header, at the first chunk,
    in the middle, one byte short;
  - a flipped magic, another format version, wrong header or chunk sizes;
  - garbage offsets and counts: a chunk offset past the end of the file or
    at its last bytes, more stacks or locations than the format can hold,
    pools larger than the file, the frames of the peak's biggest
    stack or the name of its innermost frame outside their pools, a peak
    holding more stacks than exist.

Each gives exit 1, a tidemark: line with the file's path and more words
(the problem; a cut file and a flipped magic are not described alike), no
report files and no temporary files. A missing file and a folder without
one are refused the same way. Finally, FUZZ copies with random bytes
changed in the header's live fields, the used chunk offsets, the working
directory, timeline and module map, and the chunks:
exit 0 (with whole reports) or 1, nothing else.

The header's layout is mirrored here from core/profile_format.h (format
version 1, with the working directory, the timeline and the module map
after the chunk table); the intact file checks the mirror (its size is the header's
header_bytes).
"""
import ctypes
import os
import random
import shutil
import signal

import profile_run as pr

SCRIPT = pr.program("kill_after_peak.py")
LINE_A = pr.find_marker(SCRIPT, "PEAK-A")
LINE_B = pr.find_marker(SCRIPT, "PEAK-B")
MiB = pr.MiB
FUZZ = 40

# --- core/profile_format.h, version 1 ---
MAGIC = b"TIDEMRK1"
CHUNK_SHIFT = 16
CHUNK_BYTES = 1 << CHUNK_SHIFT
MAX_CHUNKS = 4096
AREA_COUNT = 8
PEAK_AREA_0 = 1
STACK_AREA = 4
LOCATION_AREA = 5
FRAME_POOL = 6
STRING_POOL = 7
MAX_MODULES = 2048


class SnapshotInfo(ctypes.LittleEndianStructure):
    _fields_ = [
        ("total_bytes", ctypes.c_int64),
        ("total_allocations", ctypes.c_int64),
        ("stack_count", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("nanoseconds", ctypes.c_int64),
        ("tracked_allocations", ctypes.c_int64),
    ]


TIMELINE_POINTS = 512
WORKING_DIRECTORY_BYTES = 4096


class TimelineBuffer(ctypes.LittleEndianStructure):
    _fields_ = [
        ("count", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("points", (ctypes.c_int64 * 3) * TIMELINE_POINTS),
    ]


class TimelineRecord(ctypes.LittleEndianStructure):
    _fields_ = [
        ("generation", ctypes.c_uint64),
        ("interval_ns", ctypes.c_int64),
        ("buffers", TimelineBuffer * 2),
    ]


class FileHeader(ctypes.LittleEndianStructure):
    _fields_ = [
        ("magic", ctypes.c_char * 8),
        ("version", ctypes.c_uint32),
        ("header_bytes", ctypes.c_uint32),
        ("chunk_bytes", ctypes.c_uint32),
        ("max_chunks", ctypes.c_uint32),
        ("pid", ctypes.c_int32),
        ("mode", ctypes.c_uint32),
        ("sample_interval_bytes", ctypes.c_int64),
        ("start_realtime_ns", ctypes.c_int64),
        ("start_monotonic_ns", ctypes.c_int64),
        ("top_rows", ctypes.c_int32),
        ("command_bytes", ctypes.c_uint32),
        ("unwinder", ctypes.c_char * 64),
        ("reporters", ctypes.c_char * 512),
        ("command", ctypes.c_char * 8192),
        ("command_truncated", ctypes.c_uint32),
        ("reserved0", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("stack_count", ctypes.c_uint32),
        ("location_count", ctypes.c_uint32),
        ("reserved1", ctypes.c_uint32),
        ("file_bytes", ctypes.c_uint64),
        ("frame_pool_bytes", ctypes.c_uint64),
        ("string_pool_bytes", ctypes.c_uint64),
        ("peak_generation", ctypes.c_uint64),
        ("peak", SnapshotInfo * 2),
        ("oom_state", ctypes.c_uint32),
        ("reserved2", ctypes.c_uint32),
        ("oom", SnapshotInfo),
        ("oom_limit_bytes", ctypes.c_int64),
        ("oom_available_bytes", ctypes.c_int64),
        ("oom_reason", ctypes.c_char * 256),
        ("ending", ctypes.c_uint32),
        ("exit_code", ctypes.c_int32),
        ("signal_number", ctypes.c_int32),
        ("final_reports_written", ctypes.c_uint32),
        ("end_nanoseconds", ctypes.c_int64),
        ("rss_hwm_bytes", ctypes.c_int64),
        ("profiler_bytes", ctypes.c_int64),
        ("tracked_allocations", ctypes.c_int64),
        ("inherited_bytes", ctypes.c_int64),
        ("parent_pid", ctypes.c_int32),
        ("started", ctypes.c_uint32),
        ("start_ticks", ctypes.c_uint64),
        ("python_seen", ctypes.c_uint32),
        ("peak_moment", ctypes.c_uint32),
        ("deferred_reports", ctypes.c_int64),
        ("live_bytes_at_peak_moment", ctypes.c_int64),
        ("reserved3", ctypes.c_uint64),
        ("chunk_offset", (ctypes.c_uint64 * MAX_CHUNKS) * AREA_COUNT),
        ("working_directory", ctypes.c_char * WORKING_DIRECTORY_BYTES),
        ("timeline", TimelineRecord),
        # The module map (issue 12): ModuleEntry offsets in the string pool.
        ("module_count", ctypes.c_uint32),
        ("reserved4", ctypes.c_uint32),
        ("module_entries", ctypes.c_uint64 * MAX_MODULES),
        # How allocations were seen (issue 13).
        ("interposer", ctypes.c_char * 64),
        ("allocator", ctypes.c_char * 192),
    ]


COUNTER_ENTRY = 16  # int64 bytes, int64 allocations
STACK_ENTRY = 16  # uint64 frames, uint32 depth, uint32 reserved
LOCATION_ENTRY = 32  # uint32 kind, int32 line, uint64 function, file, address
LIVE_FIELDS = FileHeader.flags.offset  # everything from here on changes while running


def header_of(data):
    return FileHeader.from_buffer(data)


def element_offset(header, area, element_bytes, index):
    per_chunk = CHUNK_BYTES // element_bytes
    chunk = header.chunk_offset[area][index // per_chunk]
    return chunk + (index % per_chunk) * element_bytes


# --- the damage, each a function of a bytearray copy of the file ---


def cut(size):
    def damage(data):
        del data[size:]
    damage.kind = "cut"
    return damage


def poke(change):
    def damage(data):
        change(header_of(data), data)
    damage.kind = "poke"
    return damage


def _set(name, value):
    return poke(lambda h, d: setattr(h, name, value))


def _flip_magic(h, d):
    d[0] ^= 0xFF


def _chunk_past_end(h, d):
    h.chunk_offset[STACK_AREA][0] = len(d) + (1 << 40)


def _chunk_at_the_last_bytes(h, d):
    h.chunk_offset[LOCATION_AREA][0] = len(d) - 100


def _u64(d, at):
    return int.from_bytes(d[at:at + 8], "little")


def _biggest_peak_stack(h, d):
    """The id of the stack holding the most bytes in the current peak: one
    any reader has to read to render the peak."""
    slot = h.peak_generation % 2
    area = PEAK_AREA_0 + slot
    ids = range(1, h.peak[slot].stack_count + 1)
    return max(ids, key=lambda i: _u64(d, element_offset(h, area, COUNTER_ENTRY, i)))


def _pool_offset(h, pool, offset):
    return h.chunk_offset[pool][offset >> CHUNK_SHIFT] + (offset & (CHUNK_BYTES - 1))


def _stack_frames_outside_the_pool(h, d):
    at = element_offset(h, STACK_AREA, STACK_ENTRY, _biggest_peak_stack(h, d))
    d[at:at + 8] = (h.frame_pool_bytes + (1 << 50)).to_bytes(8, "little")


def _stack_depth_outside_the_pool(h, d):
    at = element_offset(h, STACK_AREA, STACK_ENTRY, _biggest_peak_stack(h, d))
    d[at + 8:at + 12] = (0xFFFFFFFF).to_bytes(4, "little")


def _location_name_outside_the_pool(h, d):
    stack = element_offset(h, STACK_AREA, STACK_ENTRY, _biggest_peak_stack(h, d))
    frames = _pool_offset(h, FRAME_POOL, _u64(d, stack))
    location = int.from_bytes(d[frames:frames + 4], "little")  # its innermost frame
    at = element_offset(h, LOCATION_AREA, LOCATION_ENTRY, location)
    d[at + 8:at + 16] = (h.string_pool_bytes + (1 << 45)).to_bytes(8, "little")


def _peak_with_more_stacks(h, d):
    h.peak[h.peak_generation % 2].stack_count = h.stack_count + 100000


class ReportToolErrorsTest(pr.ProfileTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        job = pr.Job([pr.PYTHON, SCRIPT, "idle"], "preload", "exact", name="source")
        pid = job.wait_marker("freed")
        os.kill(pid, signal.SIGKILL)
        job.finish()
        path = os.path.join(job.process_dir, pr.PROFILE_FILE)
        if not os.path.isfile(path):
            raise AssertionError("the job left no %s\n%s" % (pr.PROFILE_FILE, job.describe()))
        with open(path, "rb") as handle:
            cls.pristine = handle.read()
        cls.source_job = job

    def setUp(self):
        self.assertGreaterEqual(len(self.pristine), ctypes.sizeof(FileHeader),
                                "the stored profile is shorter than its header")
        self.header = FileHeader.from_buffer_copy(self.pristine)
        mirror = "test_report_tool_errors.py's FileHeader no longer matches core/profile_format.h"
        self.assertEqual(self.header.magic, MAGIC, mirror)
        self.assertEqual(self.header.version, 1, mirror)
        self.assertEqual(self.header.header_bytes, ctypes.sizeof(FileHeader), mirror)
        self.assertEqual(self.header.chunk_bytes, CHUNK_BYTES, mirror)
        self.assertGreater(self.header.stack_count, 0)
        self.assertGreater(self.header.peak_generation, 0)
        self.assertLessEqual(self.header.file_bytes, len(self.pristine))

    def write_copy(self, data, name):
        folder = pr.fresh_output_dir(name)
        os.makedirs(folder)
        path = os.path.join(folder, pr.PROFILE_FILE)
        with open(path, "wb") as handle:
            handle.write(bytes(data))
        return folder, path

    def refused(self, target, shown, what):
        """Runs report on TARGET; asserts it refuses, naming SHOWN. Returns
        the problem as it said it."""
        code, out, err = pr.run_report(target)
        folder = target if os.path.isdir(target) else os.path.dirname(target)
        context = "%s: report %s -> exit %d\nstdout:\n%s\nstderr:\n%s\nfiles:\n%s" % (
            what, target, code, out, err, pr.listing(folder))
        self.assertIsNone(pr.crash_signs(code, err), context)
        self.assertEqual(code, 1, context)
        lines = [l for l in pr.tidemark_lines(err + "\n" + out) if shown in l]
        self.assertTrue(lines, "no tidemark: line names %s: %s" % (shown, context))
        problem = lines[0].split(shown, 1)[1].strip(" :,'\"()")
        self.assertGreaterEqual(len(problem), 8, "the line does not say what is wrong: "
                                + context)
        self.assertNotIn("reports in", out + err, context)
        if os.path.isdir(folder):
            for name in pr.REPORT_FILES + (pr.OOM_FOLDER,):
                self.assertFalse(os.path.exists(os.path.join(folder, name)),
                                 "%s written: %s" % (name, context))
            self.assertEqual(pr.leftover_temporaries(folder), [], context)
        return problem

    def test_intact_copy_renders(self):
        folder, path = self.write_copy(self.pristine, "intact")
        code, out, err = pr.run_report(path)
        context = "exit %d\nstdout:\n%s\nstderr:\n%s" % (code, out, err)
        self.assertEqual(code, 0, context)
        self.assertIn("tidemark: reports in %s" % folder, out + err, context)
        run = pr.Run(["report", path], folder, code, out, err)
        self.assertIsNotNone(run.summary, run.describe())
        self.assertEqual(run.bytes_at_location(SCRIPT, LINE_A), 64 * MiB + 1, run.describe())
        self.assertEqual(run.bytes_at_location(SCRIPT, LINE_B), 32 * MiB, run.describe())
        self.assertEqual(pr.leftover_temporaries(folder), [], context)

    def test_cut_short(self):
        used = self.header.file_bytes
        first_chunk = min(o for area in self.header.chunk_offset for o in area if o)
        sizes = sorted({0, 4, 8, 100, self.header.header_bytes - 1, self.header.header_bytes,
                        first_chunk, first_chunk + CHUNK_BYTES // 2,
                        (self.header.header_bytes + used) // 2, used - 1})
        for size in [s for s in sizes if s < used]:
            with self.subTest(size=size):
                folder, path = self.write_copy(self.pristine[:size], "cut-%d" % size)
                self.refused(path, path, "cut to %d of %d bytes in use" % (size, used))

    def test_bad_header(self):
        cases = {
            "flipped magic": poke(_flip_magic),
            "version 99": _set("version", 99),
            "header_bytes 12": _set("header_bytes", 12),
            "chunk_bytes 4096": _set("chunk_bytes", 4096),
        }
        said = self.damage_all(cases)
        cut_folder, cut_path = self.write_copy(self.pristine[:self.header.header_bytes // 2],
                                               "half-header")
        cut_said = self.refused(cut_path, cut_path, "half a header")
        self.assertNotEqual(said["flipped magic"], cut_said,
                            "a flipped magic and a cut file are described alike")

    def test_garbage_offsets_and_counts(self):
        h = self.header
        cases = {
            "a chunk offset past the end": poke(_chunk_past_end),
            "a chunk offset at the last 100 bytes": poke(_chunk_at_the_last_bytes),
            # More than MAX_CHUNKS chunks of entries can hold.
            "more stacks than the format holds": _set("stack_count", 0xFFFFFF00),
            "more locations than the format holds": _set("location_count", 0xFFFFFF00),
            "a frame pool past the file": _set("frame_pool_bytes", 1 << 60),
            "a string pool past the file": _set("string_pool_bytes", 1 << 60),
            "a stack's frames outside the pool": poke(_stack_frames_outside_the_pool),
            "a stack's depth outside the pool": poke(_stack_depth_outside_the_pool),
            "a location's name outside the pool": poke(_location_name_outside_the_pool),
            "a peak with more stacks than exist": poke(_peak_with_more_stacks),
        }
        self.assertTrue(h.chunk_offset[STACK_AREA][0] and h.chunk_offset[LOCATION_AREA][0])
        self.damage_all(cases)

    def damage_all(self, cases):
        said = {}
        for name, damage in cases.items():
            with self.subTest(damage=name):
                data = bytearray(self.pristine)
                damage(data)
                folder, path = self.write_copy(data, "bad")
                said[name] = self.refused(path, path, name)
        return said

    def test_missing_file(self):
        folder = pr.fresh_output_dir("empty")
        os.makedirs(folder)
        self.refused(folder, folder, "a folder without %s" % pr.PROFILE_FILE)
        missing = os.path.join(folder, "nothing-here", pr.PROFILE_FILE)
        self.refused(missing, missing, "a path that does not exist")

    def test_random_damage(self):
        seed = int(os.environ.get("E2E_SEED") or random.SystemRandom().randrange(1 << 32))
        rng = random.Random(seed)
        h = self.header
        used_chunks = [(area, i) for area in range(AREA_COUNT) for i in range(MAX_CHUNKS)
                       if h.chunk_offset[area][i]]
        chunk_table = FileHeader.chunk_offset.offset
        for trial in range(FUZZ):
            data = bytearray(self.pristine)
            for _ in range(rng.randint(1, 8)):
                where = rng.random()
                if where < 0.4:
                    at = rng.randrange(LIVE_FIELDS, chunk_table)
                elif where < 0.6:
                    area, i = rng.choice(used_chunks)
                    at = chunk_table + (area * MAX_CHUNKS + i) * 8 + rng.randrange(8)
                elif where < 0.7:
                    # The working directory and the timeline (issue 11),
                    # the module map (issue 12).
                    at = rng.randrange(FileHeader.working_directory.offset,
                                       ctypes.sizeof(FileHeader))
                else:
                    at = rng.randrange(h.header_bytes, h.file_bytes)
                data[at] = rng.randrange(256)
            with self.subTest(trial=trial):
                folder, path = self.write_copy(data, "fuzz")
                code, out, err = pr.run_report(path)
                context = "random damage %d (E2E_SEED=%d): exit %d\nstdout:\n%s\nstderr:\n%s" % (
                    trial, seed, code, out, err)
                self.assertIsNone(pr.crash_signs(code, err), context)
                self.assertIn(code, (0, 1), context)
                self.assertEqual(pr.leftover_temporaries(folder), [], context)
                if code == 0:
                    run = pr.Run(["report", path], folder, code, out, err)
                    self.assertIsNotNone(run.summary, context + "\n" + run.describe())
                    self.assertIsNotNone(run.folded, context + "\n" + run.describe())
                else:
                    self.assertTrue([l for l in pr.tidemark_lines(err + "\n" + out)
                                     if path in l], context)
                shutil.rmtree(folder)


if __name__ == "__main__":
    pr.main()
