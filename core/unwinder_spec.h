#ifndef TIDEMARK_CORE_UNWINDER_SPEC_H_
#define TIDEMARK_CORE_UNWINDER_SPEC_H_

#include <string>

#include "core/unwinder.h"

namespace tidemark {

// The unwinder a TIDEMARK_UNWINDER / --unwinder value names: one linked
// unwinder ("cpython", "libunwind"), or two composed into hybrid stacks,
// "FIRST+NATIVE" ("cpython+libunwind": FIRST->ComposeWith(NATIVE)). nullptr,
// with one sentence in *error, for an unknown name, a malformed value, or
// a pair that does not compose. The launcher checks flags with the same
// function the library starts with, so both accept the same values.
Unwinder* CreateUnwinder(const std::string& spec, std::string* error);

// The pair `--native` stands for: the CPython unwinder with the native
// unwinder recommended for exact mode.
inline constexpr char kNativeUnwinderSpec[] = "cpython+libunwind";

}  // namespace tidemark

#endif  // TIDEMARK_CORE_UNWINDER_SPEC_H_
