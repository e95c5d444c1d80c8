// Fuzzes the stored profile reader (core/profile_reader.h), which reads
// files a killed process left behind, or anyone put in a report folder:
// whatever the bytes, it reads nothing outside the image, never crashes, and
// what it accepts is a well-formed Profile.
//
// Input: a sparse file image (core/profile_reader_fuzz_input.h), served
// through a StoredProfileBuffer with the same checks as a mapped file; both
// snapshots and the ending are read.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/profile_reader.h"
#include "core/profile_reader_fuzz_input.h"

namespace tidemark {
namespace {

void Check(bool ok) {
  if (!ok) abort();
}

void CheckProfile(const Profile& profile) {
  int64_t previous = INT64_MAX;
  for (const ProfileStack& stack : profile.stacks) {
    Check(stack.bytes > 0 && stack.bytes <= previous);
    previous = stack.bytes;
    Check(stack.frames.size() <= 128);
    for (int index : stack.frames) {
      Check(index >= 0 && static_cast<size_t>(index) < profile.frames.size());
    }
  }
  Check(profile.mode == "exact" || profile.mode == "sample");
  Check(profile.top_rows > 0);
}

}  // namespace
}  // namespace tidemark

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tidemark;  // NOLINT(google-build-using-namespace)
  const std::string image = DecodeFuzzImage(data, size);
  std::string error;
  auto source = StoredProfileBuffer::Create(image.data(), image.size(),
                                            "fuzz/profile.tidemark", &error);
  if (source == nullptr) {
    Check(error.rfind("fuzz/profile.tidemark: ", 0) == 0);
    return 0;
  }
  for (StoredSnapshot which :
       {StoredSnapshot::kPeak, StoredSnapshot::kOutOfMemory}) {
    Profile profile;
    if (ReadStoredProfile(*source, which, &profile, &error)) {
      CheckProfile(profile);
      Check(profile.out_of_memory == (which == StoredSnapshot::kOutOfMemory));
    } else {
      Check(error.rfind("fuzz/profile.tidemark: ", 0) == 0);
    }
  }
  StoredEnding ending;
  if (!ReadStoredEnding(*source, &ending, &error)) {
    Check(error.rfind("fuzz/profile.tidemark: ", 0) == 0);
  }
  return 0;
}
