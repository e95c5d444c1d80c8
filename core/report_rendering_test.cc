#include "core/report_rendering.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

// Records what it was given; fails with `failure` when that is set.
class FakeReporter : public Reporter {
 public:
  explicit FakeReporter(std::string failure = "")
      : failure_(std::move(failure)) {}
  bool Write(const Profile& profile, const ReportDirectory& directory,
             std::string* error) override {
    peak_bytes_ = profile.peak_bytes;
    fd_ = directory.fd;
    if (failure_.empty()) return true;
    *error = failure_;
    return false;
  }
  int64_t peak_bytes_ = -1;
  int fd_ = -1;

 private:
  std::string failure_;
};

TEST(RenderReportsTest, EveryReporterGetsTheProfileAndTheFolder) {
  FakeReporter a, b;
  Profile profile;
  profile.peak_bytes = 1234;
  std::string failures = "stale";
  EXPECT_TRUE(RenderReports(profile, {{"a", &a}, {"b", &b}},
                            ReportDirectory{7, "/r"}, &failures));
  EXPECT_EQ(failures, "");
  EXPECT_EQ(a.peak_bytes_, 1234);
  EXPECT_EQ(b.peak_bytes_, 1234);
  EXPECT_EQ(b.fd_, 7);
}

TEST(RenderReportsTest, FailuresAreOneLineAndTheRestStillRun) {
  FakeReporter a("disk full"), b, c("no space");
  Profile profile;
  profile.peak_bytes = 5;
  std::string failures;
  EXPECT_FALSE(RenderReports(profile, {{"a", &a}, {"b", &b}, {"c", &c}},
                             ReportDirectory{3, "/r"}, &failures));
  EXPECT_EQ(failures,
            "reporter 'a' failed: disk full; reporter 'c' failed: no space");
  EXPECT_EQ(b.peak_bytes_, 5);
  EXPECT_EQ(c.peak_bytes_, 5);
}

}  // namespace
}  // namespace tidemark
