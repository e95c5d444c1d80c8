// Runs a fuzz target's entry point once over every file in the folders (or
// files) named on the command line: the corpus-replay test of each fuzzer,
// built and run with the rest of the suite. A crash, a sanitizer report or
// an abort() from the target's own checks fails the test; so does a corpus
// with no input at all, which would prove nothing.

#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The files under `path` (itself if it is a file), sorted for a stable order.
void CollectFiles(const std::string& path, std::vector<std::string>* files) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    files->push_back(path);
    return;
  }
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) CollectFiles(path + "/" + name, files);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) CollectFiles(argv[i], &files);
  if (files.empty()) {
    fprintf(stderr, "replay: no input files under the given paths\n");
    return 1;
  }
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 1;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
    // A copy of exactly `size` bytes, so a read past the end is caught by
    // the sanitizers as it would be under libFuzzer.
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
  }
  printf("replay: %zu inputs passed\n", files.size());
  return 0;
}
