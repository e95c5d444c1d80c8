#include "tools/plugin_check.h"

#include <string>

#include "core/interposer.h"
#include "core/registry.h"
#include "core/unwinder.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

Reporter* NoReporter() { return nullptr; }

// Two fake unwinders, registered the way plugins do: at static init. The
// first takes in the other's frames, as the CPython unwinder does.
class FakeUnwinder : public Unwinder {
 public:
  explicit FakeUnwinder(bool composes) : composes_(composes) {}
  ~FakeUnwinder() override { delete native_; }
  int Capture(RawFrame*, int) override { return 0; }
  void Resolve(const RawFrame&, ResolvedFrame*) override {}
  bool ComposeWith(Unwinder* native, std::string* error) override {
    if (!composes_) return Unwinder::ComposeWith(native, error);
    native_ = native;
    return true;
  }

 private:
  const bool composes_;
  Unwinder* native_ = nullptr;
};
Unwinder* NewPython() { return new FakeUnwinder(true); }
Unwinder* NewNative() { return new FakeUnwinder(false); }
const bool kRegistered = UnwinderRegistry::Register("cpython", NewPython) &&
                         UnwinderRegistry::Register("native", NewNative);

TEST(PluginCheckTest, NothingGivenNothingChecked) {
  std::string error;
  EXPECT_TRUE(CheckPluginNames(ProfileFlags(), &error));
}

TEST(PluginCheckTest, KnownUnwinderPasses) {
  ASSERT_TRUE(kRegistered);
  ProfileFlags flags;
  flags.unwinder = "native";
  std::string error;
  EXPECT_TRUE(CheckPluginNames(flags, &error)) << error;
}

TEST(PluginCheckTest, UnknownUnwinderListsTheLinkedOnes) {
  ProfileFlags flags;
  flags.unwinder = "nativ";
  std::string error;
  EXPECT_FALSE(CheckPluginNames(flags, &error));
  EXPECT_EQ(error,
            "--unwinder: unknown unwinder 'nativ' (available: cpython, "
            "native)");
}

TEST(PluginCheckTest, AHybridPairIsCheckedAsTheLibraryWouldStartIt) {
  ASSERT_TRUE(kRegistered);
  ProfileFlags flags;
  flags.unwinder = "cpython+native";
  std::string error;
  EXPECT_TRUE(CheckPluginNames(flags, &error)) << error;
  flags.unwinder = "native+cpython";
  EXPECT_FALSE(CheckPluginNames(flags, &error));
  EXPECT_EQ(error,
            "--unwinder: unwinder 'native+cpython': 'native' cannot compose "
            "with 'cpython': it cannot take in another unwinder's frames");
  flags.unwinder = "cpython+nativ";
  EXPECT_FALSE(CheckPluginNames(flags, &error));
  EXPECT_EQ(error,
            "--unwinder: unknown unwinder 'nativ' (available: cpython, "
            "native)");
}

TEST(PluginCheckTest, UnwinderIsOneNameNotAList) {
  // The library looks the whole value up as one name, and finds none.
  ASSERT_TRUE(kRegistered);
  ProfileFlags flags;
  flags.unwinder = "cpython,native";
  std::string error;
  EXPECT_FALSE(CheckPluginNames(flags, &error));
  EXPECT_EQ(error,
            "--unwinder: unknown unwinder 'cpython,native' (available: "
            "cpython, native)");
}

TEST(PluginCheckTest, ReportersAreCheckedOnceAnyIsLinked) {
  // This binary links no reporter, so the library is left to judge.
  ASSERT_EQ(ReporterRegistry::size(), 0);
  ProfileFlags flags;
  flags.reporters = "anything,goes";
  std::string error;
  EXPECT_TRUE(CheckPluginNames(flags, &error)) << error;

  ASSERT_TRUE(ReporterRegistry::Register("folded", NoReporter));
  ASSERT_TRUE(ReporterRegistry::Register("top_table", NoReporter));
  flags.reporters = "top_table,folded";
  EXPECT_TRUE(CheckPluginNames(flags, &error)) << error;
  flags.reporters = "folded,bogus,top_table";
  EXPECT_FALSE(CheckPluginNames(flags, &error));
  EXPECT_EQ(error,
            "--reporters: unknown reporter 'bogus' (available: folded, "
            "top_table)");
  // A name is matched whole, not as a prefix.
  flags.reporters = "fold";
  EXPECT_FALSE(CheckPluginNames(flags, &error));
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

class FakeInterposer : public Interposer {
 public:
  bool Install(std::string*) override { return true; }
  void Uninstall() override {}
  const char* Allocator() const override { return "a fake heap"; }
};
Interposer* MakeFakeInterposer() { return new FakeInterposer(); }

const bool kInterposersRegistered =
    InterposerRegistry::Register("preload", MakeFakeInterposer) &&
    InterposerRegistry::Register("jemalloc", MakeFakeInterposer);

TEST(PluginCheckTest, InterposerIsCheckedByName) {
  ASSERT_TRUE(kInterposersRegistered);
  ProfileFlags flags;
  flags.interposer = "jemalloc";
  std::string error;
  EXPECT_TRUE(CheckPluginNames(flags, &error)) << error;
  flags.interposer = "tcmalloc";
  EXPECT_FALSE(CheckPluginNames(flags, &error));
  EXPECT_EQ(error,
            "--interposer: unknown interposer 'tcmalloc' (available: "
            "preload, jemalloc)");
}

TEST(PluginCheckTest, ListShowsEveryKindAndWhatInterposersSee) {
  ASSERT_TRUE(kInterposersRegistered);
  const std::string text = PluginListText();
  EXPECT_NE(text.find("interposers:\n  preload   a fake heap\n"
                      "  jemalloc  a fake heap\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("unwinders:\n  cpython\n  native\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("reporters:\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace tidemark
