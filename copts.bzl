"""Compiler flags shared by every Tidemark target."""

# -Werror: CI builds every target with these flags, so a new warning fails
# the build where it was introduced instead of piling up.
TIDEMARK_COPTS = [
    "-Werror",
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
    "-Werror=return-type",
]

# Code that runs inside the profiled process's allocation path: no exceptions
# may escape, and thread-locals must be the fast initial-exec kind (the library
# is preloaded, so static TLS is always available).
TIDEMARK_HOOK_COPTS = TIDEMARK_COPTS + [
    "-ftls-model=initial-exec",
]
