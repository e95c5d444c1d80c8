// Linking //reporters:builtin must make every built-in reporter available by
// the names users pass in TIDEMARK_REPORTERS.
#include <memory>

#include "core/registry.h"
#include "core/reporter.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(BuiltinReportersTest, AreAllRegisteredByName) {
  for (const char* name : {"flamegraph", "folded", "html", "pprof",
                           "speedscope", "summary_json", "top_table"}) {
    std::unique_ptr<Reporter> reporter(ReporterRegistry::Create(name));
    EXPECT_NE(reporter, nullptr) << name;
  }
  EXPECT_EQ(ReporterRegistry::Create("no_such_reporter"), nullptr);
}

}  // namespace
}  // namespace tidemark
