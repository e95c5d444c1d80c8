"""End-to-end tests: one Bazel test target per scenario."""

_TOOL = "//tools:profile"
_LIBRARY = "//tools:libtidemark.so"
_REPORT = "//tools:report"

def tidemark_e2e_test(
        name,
        test_file,
        programs = [],
        support = [],
        env = {},
        variables = {},
        needs_profiler = True,
        size = "medium",
        tags = [],
        **kwargs):
    """A sh_test that runs TEST_FILE (unittest) with /usr/bin/python3.

    Args:
      name: the test target.
      test_file: the unittest file under e2e/.
      programs: the files it profiles (data).
      support: more Python modules the test file imports, from e2e/.
      env: {VARIABLE: label}; each becomes VARIABLE=$(rootpath label).
      variables: {VARIABLE: value}; each becomes VARIABLE=value.
      needs_profiler: depend on //tools:profile, //tools:libtidemark.so and
        //tools:report (renders a stored profile after the fact).
      size: Bazel test size; the profiling scenarios allocate hundreds of MiB.
      tags: extra tags ("exclusive" for the largest ones). Every target
        is tagged "external" as well: each runs /usr/bin/python3 (and some
        numpy or pyenv's builds), which Bazel does not track, so a cached
        PASSED must never be served after they change.
      **kwargs: passed on to sh_test.
    """
    args = ["$(rootpath %s)" % test_file]
    data = [test_file, "e2e/profile_run.py"] + support + programs
    if needs_profiler:
        args += [
            "E2E_PROFILE_TOOL=$(rootpath %s)" % _TOOL,
            "E2E_LIBTIDEMARK=$(rootpath %s)" % _LIBRARY,
            "E2E_REPORT_TOOL=$(rootpath %s)" % _REPORT,
        ]
        data += [_TOOL, _LIBRARY, _REPORT]
    for variable, label in env.items():
        args.append("%s=$(rootpath %s)" % (variable, label))
        data.append(label)
    for variable, value in variables.items():
        args.append("%s=%s" % (variable, value))
    native.sh_test(
        name = name,
        size = size,
        srcs = ["e2e/run_e2e.sh"],
        args = args,
        data = data,
        tags = ["e2e"] + [t for t in tags if t != "external"] + ["external"],
        **kwargs
    )
