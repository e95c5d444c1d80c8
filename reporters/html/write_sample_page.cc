// Writes peak.html for a synthetic profile to the path given, so the page can
// be looked at (and measured) without profiling anything.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "reporters/html/html_reporter.h"
#include "reporters/testing/synthetic_profile.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: write_sample_page OUT.html [STACKS]\n");
    return 2;
  }
  const int stacks = argc > 2 ? std::atoi(argv[2]) : 2000;
  tidemark::Profile profile = tidemark::MakeSyntheticProfile(stacks, 12);
  for (int i = 0; i <= 200; ++i) {
    const int64_t rise = profile.peak_bytes * (i < 150 ? i : 300 - i) / 150;
    profile.timeline.push_back({i * 0.05, rise, rise + (32 << 20)});
  }
  profile.peak_seconds = 7.5;
  profile.frames[0].function = "</script><b>x</b>\"';\nline";
  const std::string page = tidemark::RenderHtmlPage(profile);
  FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr) return 1;
  std::fwrite(page.data(), 1, page.size(), out);
  return std::fclose(out) == 0 ? 0 : 1;
}
