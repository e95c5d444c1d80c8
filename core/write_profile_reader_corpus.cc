// Writes the seed corpus of //core:profile_reader_fuzzer: valid stored
// profiles of several shapes (core/stored_profile_testing.h), in the
// fuzzer's sparse encoding.
//
//   bazel run //core:write_profile_reader_corpus -- "$PWD/core/..."
// (the corpus folder, core/profile_reader_fuzzer_corpus)

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/profile_reader_fuzz_input.h"
#include "core/stored_profile_testing.h"

namespace tidemark {
namespace {

TestStoredProfile Typical() {
  TestStoredProfile p;
  const TestFrame main_frame{"<module>", "/app/main.py", 3};
  const TestFrame load{"load", "/app/data.py", 17};
  const TestFrame native{"PyList_New", "libpython3.11.so", 0,
                         FrameKind::kNative};
  p.stacks = {
      {{load, main_frame}, 500, 5, 1000, 10, 70, 7},
      {{native, load, main_frame}, 3000, 4, 3000, 3, 0, 0},
      {{}, 0, 0, 24, 1, 800, 8},
  };
  return p;
}

}  // namespace
}  // namespace tidemark

int main(int argc, char** argv) {
  using namespace tidemark;  // NOLINT(google-build-using-namespace)
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::vector<std::pair<std::string, TestStoredProfile>> seeds;
  seeds.emplace_back("typical", Typical());
  {
    // Native frames as bare addresses, and the module map that names them
    // (the second load of a library at another place kept beside the
    // first); and the same from a file written before the module map.
    TestStoredProfile p = Typical();
    const TestFrame inner{"", "/usr/lib/libchain.so", 0, FrameKind::kNative,
                          0x7f0000001234};
    const TestFrame outer{"", "/usr/bin/prog", 0, FrameKind::kNative, 0x401000};
    p.stacks.push_back({{inner, outer}, 4096, 1, 4096, 1, 0, 0});
    p.modules = {
        {"/usr/bin/prog", 0x400000, 0x500000, 0, std::string(20, 'a')},
        {"/usr/lib/libchain.so", 0x7f0000000000, 0x7f0000010000, 0x7f0000000000,
         std::string(20, 'b')},
        {"/usr/lib/libchain.so", 0x7f1000000000, 0x7f1000010000, 0x7f1000000000,
         std::string(20, 'b')},
    };
    seeds.emplace_back("native_modules", p);
    p.header_before_modules = true;
    seeds.emplace_back("before_modules", p);
    p.header_before_modules = false;
    p.header_before_interposer = true;
    seeds.emplace_back("before_interposer", p);
  }
  {
    TestStoredProfile p = Typical();
    p.has_oom = true;
    p.oom_limit_bytes = 1 << 30;
    p.oom_available_bytes = 1 << 20;
    p.ending = profile_format::kOomExit;
    seeds.emplace_back("out_of_memory", p);
  }
  {
    TestStoredProfile p = Typical();
    p.peak_generation = 0;
    p.mode = 1;
    p.sample_interval_bytes = 65536;
    seeds.emplace_back("no_peak_sample_mode", p);
  }
  {
    TestStoredProfile p = Typical();
    p.peak_generation = 8;
    p.ending = profile_format::kExited;
    p.exit_code = 1;
    seeds.emplace_back("slot_zero_exited", p);
  }
  {
    TestStoredProfile p;
    p.peak_generation = 0;
    seeds.emplace_back("empty", p);
  }
  {
    // A timeline that was merged once (the current buffer is 1), and a
    // working directory.
    TestStoredProfile p = Typical();
    p.working_directory = "/home/user/project";
    p.timeline_generation = 1;
    for (int i = 0; i < 20; ++i) {
      p.timeline.push_back(profile_format::TimelineEntry{
          int64_t{i} * 200'000'000, int64_t{i % 5} << 20,
          int64_t{30 + i} << 20});
    }
    seeds.emplace_back("timeline", p);
  }
  {
    // A file from before the working directory and the timeline.
    TestStoredProfile p = Typical();
    p.older_header = true;
    seeds.emplace_back("older_header", p);
  }
  {
    // Deep stacks, enough of them to fill a frame pool chunk.
    TestStoredProfile p;
    for (int s = 0; s < 130; ++s) {
      TestStack stack;
      for (int d = 0; d < 128; ++d) {
        stack.frames.push_back({"f" + std::to_string(d), "/m.py", d});
      }
      stack.peak_bytes = 100 + s;
      stack.live_bytes = s;
      p.stacks.push_back(stack);
    }
    seeds.emplace_back("deep", p);
  }
  for (const auto& [name, profile] : seeds) {
    const std::string path = std::string(argv[1]) + "/" + name;
    FILE* f = fopen(path.c_str(), "wb");
    if (f == nullptr) {
      perror(path.c_str());
      return 1;
    }
    const std::string image = BuildStoredProfileImage(profile);
    const std::string encoded = EncodeFuzzImage(image);
    if (DecodeFuzzImage(reinterpret_cast<const uint8_t*>(encoded.data()),
                        encoded.size()) != image) {
      fprintf(stderr, "%s: the encoding does not round-trip\n", name.c_str());
      return 1;
    }
    fwrite(encoded.data(), 1, encoded.size(), f);
    fclose(f);
    printf("%s: %zu bytes\n", path.c_str(), encoded.size());
  }
  return 0;
}
