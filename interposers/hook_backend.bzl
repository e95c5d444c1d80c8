"""The targets of an interposer that installs hooks into an allocator.

glibc/ and jemalloc/ are built alike: the hooks (hooks.h/hooks.cc), the
plugin that registers the backend's name, the hooks' test and their
benchmark. Only the plugin's source and what the test and the benchmark
link to have an allocator to hook differ.
"""

load("//:copts.bzl", "TIDEMARK_HOOK_COPTS")

def hook_backend(name, allocator_deps = [], benchmark_deps = []):
    """Declares :hooks, :NAME (the plugin), :hooks_test, :hooks_benchmark.

    Args:
      name: the backend's registered name; its plugin is NAME_interposer.cc.
      allocator_deps: what the test and the benchmark link as the allocator
        to hook (the backend itself links none).
      benchmark_deps: more libraries the benchmark needs.
    """

    native.cc_library(
        name = "hooks",
        srcs = ["hooks.cc"],
        hdrs = ["hooks.h"],
        # As the preload hooks: no dynamic TLS initialiser check per access.
        copts = TIDEMARK_HOOK_COPTS + ["-fno-extern-tls-init"],
        linkopts = ["-ldl"],
        deps = [
            "//core:live_total",
            "//core:tracker",
        ],
    )

    native.cc_library(
        name = name,
        srcs = [name + "_interposer.cc"],
        copts = TIDEMARK_HOOK_COPTS,
        visibility = ["//tools:__subpackages__"],
        deps = [
            ":hooks",
            "//core:interfaces",
        ],
        alwayslink = 1,
    )

    # The hooks with the core tracking as the session sets it.
    native.cc_test(
        name = "hooks_test",
        size = "small",
        srcs = ["hooks_test.cc"],
        copts = TIDEMARK_HOOK_COPTS,
        deps = [
            ":hooks",
            "//core/testing:fake_unwinder",
            "//core:interfaces",
            "//core:live_total",
            "//core:sampler",
            "//core:tracker",
            "@system//:gtest_main",
        ] + allocator_deps,
    )

    # bazel run -c opt //interposers/NAME:hooks_benchmark
    native.cc_binary(
        name = "hooks_benchmark",
        testonly = True,
        srcs = ["hooks_benchmark.cc"],
        copts = TIDEMARK_HOOK_COPTS,
        visibility = ["//benchmarks/micro:__pkg__"],
        deps = [
            ":hooks",
            "//core/testing:hook_benchmark_cases",
            "@system//:benchmark_main",
        ] + allocator_deps + benchmark_deps,
    )
