#include "core/unwinder_spec.h"

#include <memory>
#include <string>

#include "core/registry.h"
#include "gtest/gtest.h"

namespace tidemark {
namespace {

// An unwinder that takes in another's frames, and one that cannot.
class Composing : public Unwinder {
 public:
  int Capture(RawFrame*, int) override { return 0; }
  void Resolve(const RawFrame&, ResolvedFrame*) override {}
  bool ComposeWith(Unwinder* native, std::string*) override {
    native_.reset(native);
    return true;
  }
  Unwinder* native() const { return native_.get(); }

 private:
  std::unique_ptr<Unwinder> native_;
};

class Plain : public Unwinder {
 public:
  int Capture(RawFrame*, int) override { return 0; }
  void Resolve(const RawFrame&, ResolvedFrame*) override {}
};

TIDEMARK_REGISTER_UNWINDER("spec_outer", Composing)
TIDEMARK_REGISTER_UNWINDER("spec_native", Plain)

TEST(UnwinderSpecTest, OneNameIsThatUnwinder) {
  std::string error;
  std::unique_ptr<Unwinder> u(CreateUnwinder("spec_native", &error));
  EXPECT_NE(dynamic_cast<Plain*>(u.get()), nullptr) << error;
}

TEST(UnwinderSpecTest, APairComposesTheSecondIntoTheFirst) {
  std::string error;
  std::unique_ptr<Unwinder> u(CreateUnwinder("spec_outer+spec_native", &error));
  auto* outer = dynamic_cast<Composing*>(u.get());
  ASSERT_NE(outer, nullptr) << error;
  EXPECT_NE(dynamic_cast<Plain*>(outer->native()), nullptr);
}

TEST(UnwinderSpecTest, UnknownNamesAreNamedWithWhatIsLinked) {
  std::string error;
  EXPECT_EQ(CreateUnwinder("nope", &error), nullptr);
  EXPECT_EQ(error.rfind("unknown unwinder 'nope' (available: ", 0), 0u)
      << error;
  EXPECT_NE(error.find("spec_outer"), std::string::npos) << error;
  EXPECT_EQ(CreateUnwinder("spec_outer+nope", &error), nullptr);
  EXPECT_EQ(error.rfind("unknown unwinder 'nope'", 0), 0u) << error;
}

TEST(UnwinderSpecTest, AnUnwinderThatCannotComposeSaysSo) {
  std::string error;
  EXPECT_EQ(CreateUnwinder("spec_native+spec_outer", &error), nullptr);
  EXPECT_EQ(error,
            "unwinder 'spec_native+spec_outer': 'spec_native' cannot compose "
            "with 'spec_outer': it cannot take in another unwinder's frames");
}

TEST(UnwinderSpecTest, MalformedPairsAreRefused) {
  for (const char* spec :
       {"spec_outer+", "+spec_native", "spec_outer+spec_outer",
        "spec_outer+spec_native+spec_native"}) {
    std::string error;
    EXPECT_EQ(CreateUnwinder(spec, &error), nullptr) << spec;
    EXPECT_NE(error.find("a hybrid is two different unwinders"),
              std::string::npos)
        << error;
  }
}

}  // namespace
}  // namespace tidemark
