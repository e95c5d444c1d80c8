#include "core/native_symbols.h"

#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

// The test binary as a module of the map, read from the loader.
ProfileModule ThisExecutable() {
  ProfileModule module;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* m = static_cast<ProfileModule*>(data);
        m->start = ~uint64_t{0};
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD) continue;
          m->start = std::min<uint64_t>(m->start, info->dlpi_addr + ph.p_vaddr);
          m->end = std::max<uint64_t>(
              m->end, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
        }
        m->bias = info->dlpi_addr;
        return 1;  // the first object is the executable
      },
      &module);
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  module.path = std::string(path, n > 0 ? static_cast<size_t>(n) : 0);
  return module;
}

// A return address inside Caller (the call to ReturnAddress is on the
// marked line) and one inside an inlined body.
__attribute__((noinline)) uint64_t ReturnAddress() {
  return reinterpret_cast<uint64_t>(__builtin_return_address(0));
}
constexpr int kCallerLine = __LINE__ + 2;
__attribute__((noinline)) uint64_t Caller() {
  const uint64_t pc = ReturnAddress();
  __asm__ volatile("" ::: "memory");
  return pc;
}
constexpr int kInlinedLine = __LINE__ + 2;
inline __attribute__((always_inline)) uint64_t InlinedBody() {
  const uint64_t pc = ReturnAddress();
  __asm__ volatile("" ::: "memory");
  return pc;
}
constexpr int kOuterLine = __LINE__ + 2;
__attribute__((noinline)) uint64_t Outer() {
  const uint64_t pc = InlinedBody();
  __asm__ volatile("" ::: "memory");
  return pc;
}

ProfileFrame Native(uint64_t address, const std::string& module) {
  ProfileFrame frame;
  frame.kind = FrameKind::kNative;
  frame.address = address;
  frame.file = module;
  frame.module = module;
  return frame;
}

TEST(NativeSymbols, NamesAFunctionWithItsFileAndLine) {
  Profile profile;
  profile.modules = {ThisExecutable()};
  profile.frames = {Native(Caller(), profile.modules[0].path)};
  profile.stacks = {{{0}, 100, 1}};
  SymbolizeNativeFrames(&profile);
  ASSERT_EQ(profile.frames.size(), 1u);
  EXPECT_EQ(profile.frames[0].function,
            "tidemark::(anonymous namespace)::Caller()");
  EXPECT_NE(profile.frames[0].file.find("native_symbols_test.cc"),
            std::string::npos)
      << profile.frames[0].file;
  EXPECT_EQ(profile.frames[0].line, kCallerLine);
  EXPECT_EQ(profile.frames[0].module, profile.modules[0].path);
}

TEST(NativeSymbols, InlinedFunctionsBecomeFramesOfTheirOwn) {
  Profile profile;
  profile.modules = {ThisExecutable()};
  profile.frames = {Native(Outer(), profile.modules[0].path)};
  profile.stacks = {{{0}, 100, 1}};
  profile.end_stacks = {{{0}, 50, 1}};
  SymbolizeNativeFrames(&profile);
  ASSERT_EQ(profile.frames.size(), 2u)
      << profile.frames[0].function << " " << profile.frames[0].line;
  ASSERT_EQ(profile.stacks[0].frames.size(), 2u);
  const ProfileFrame& inner = profile.frames[profile.stacks[0].frames[0]];
  const ProfileFrame& outer = profile.frames[profile.stacks[0].frames[1]];
  EXPECT_NE(inner.function.find("InlinedBody"), std::string::npos)
      << inner.function;
  EXPECT_EQ(inner.line, kInlinedLine);
  EXPECT_NE(outer.function.find("Outer"), std::string::npos) << outer.function;
  EXPECT_EQ(outer.line, kOuterLine);
  EXPECT_EQ(profile.end_stacks[0].frames, profile.stacks[0].frames);
}

TEST(NativeSymbols, WithoutNamesItIsModulePlusOffsetNeverUnknown) {
  Profile profile;
  ProfileModule vdso;
  vdso.path = "linux-vdso.so.1";  // no file to read
  vdso.start = 0x7ffff7fc1000;
  vdso.end = 0x7ffff7fc3000;
  vdso.bias = 0x7ffff7fc1000;
  ProfileModule changed = ThisExecutable();
  changed.build_id = std::string(20, 'x');  // not the file's any more
  profile.modules = {vdso, changed};
  profile.frames = {Native(0x7ffff7fc1a2b, "linux-vdso.so.1"),
                    Native(Caller(), changed.path), Native(0x10, "")};
  profile.stacks = {{{0, 1, 2}, 100, 1}};
  SymbolizeNativeFrames(&profile);
  EXPECT_EQ(profile.frames[0].function, "linux-vdso.so.1+0xa2b");
  EXPECT_EQ(profile.frames[0].file, "linux-vdso.so.1");
  char expected[64];
  snprintf(expected, sizeof(expected), "+0x%llx",
           static_cast<unsigned long long>(Caller() - changed.bias));
  EXPECT_NE(profile.frames[1].function.find(expected), std::string::npos)
      << profile.frames[1].function;
  EXPECT_EQ(profile.frames[1].line, 0);
  EXPECT_EQ(profile.frames[2].function, "0x10");
  EXPECT_EQ(profile.frames[2].file, "[unmapped]");
}

TEST(NativeSymbols, LeavesPythonAndNamedFramesAlone) {
  Profile profile;
  ProfileFrame python;
  python.function = "load";
  python.file = "/app/data.py";
  python.line = 7;
  ProfileFrame named = Native(0, "libfoo.so");
  named.function = "foo";
  profile.frames = {python, named};
  SymbolizeNativeFrames(&profile);
  EXPECT_EQ(profile.frames[0].function, "load");
  EXPECT_EQ(profile.frames[0].line, 7);
  EXPECT_EQ(profile.frames[1].function, "foo");
}

}  // namespace
}  // namespace tidemark
