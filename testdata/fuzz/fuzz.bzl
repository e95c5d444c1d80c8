"""Fuzzers: one libFuzzer binary and one corpus-replay test per fuzz target.

A fuzz target is a `foo_fuzzer.cc` beside the code it fuzzes, defining
LLVMFuzzerTestOneInput, with its seed corpus (and every crash ever found,
kept as a regression input) in `foo_fuzzer_corpus/`.

  NAME              the libFuzzer binary; needs clang, so it is `manual`:
                    bazel build --config=fuzz //pkg:NAME
  NAME_corpus_test  the same entry point, built like every other test (gcc,
                    no libFuzzer), run once over every file in the corpus.
"""

load("//:copts.bzl", "TIDEMARK_COPTS")

def tidemark_fuzzer(name, srcs, deps = [], corpus = None):
    """Declares NAME (libFuzzer) and NAME_corpus_test (replay in the suite).

    Args:
      name: the fuzz target, e.g. "config_fuzzer".
      srcs: its source files (LLVMFuzzerTestOneInput).
      deps: the libraries it fuzzes.
      corpus: folder of inputs beside the BUILD file (default NAME_corpus).
    """
    corpus = corpus or (name + "_corpus")
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        copts = TIDEMARK_COPTS,
        linkopts = ["-fsanitize=fuzzer"],
        tags = [
            "fuzzer",
            "manual",
        ],
        deps = deps,
    )
    native.cc_test(
        name = name + "_corpus_test",
        size = "small",
        srcs = srcs,
        args = ["%s/%s" % (native.package_name(), corpus)],
        copts = TIDEMARK_COPTS,
        data = native.glob([corpus + "/**"]),
        deps = deps + ["//testdata/fuzz:replay_main"],
    )
