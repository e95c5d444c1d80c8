// Prints a compiled-in Layout table in layout_probe.c's "name value" form, so
// layout_probe_test.sh can diff the hand-written tables against what the
// CPython headers say. Usage: layout_dump 3.11
#include <cstdio>

#include "unwinders/cpython/layout.h"
#include "unwinders/cpython/python_version.h"

namespace tidemark {
namespace cpython {
namespace {

void Print(const Layout& l) {
  std::printf("version %d.%d\n", l.major, l.minor);
#define TIDEMARK_PRINT_FIELD(field) std::printf(#field " %d\n", l.field)
  TIDEMARK_PRINT_FIELD(object_type);
  TIDEMARK_PRINT_FIELD(tstate_thread_id);
  TIDEMARK_PRINT_FIELD(tstate_frame);
  TIDEMARK_PRINT_FIELD(cframe_current_frame);
  TIDEMARK_PRINT_FIELD(frame_lasti_is_index);
  TIDEMARK_PRINT_FIELD(frame_previous);
  TIDEMARK_PRINT_FIELD(frame_code);
  TIDEMARK_PRINT_FIELD(frame_instr);
  TIDEMARK_PRINT_FIELD(frame_owner);
  TIDEMARK_PRINT_FIELD(owner_generator);
  TIDEMARK_PRINT_FIELD(owner_cstack);
  TIDEMARK_PRINT_FIELD(frame_is_entry);
  TIDEMARK_PRINT_FIELD(code_name);
  TIDEMARK_PRINT_FIELD(code_qualname);
  TIDEMARK_PRINT_FIELD(code_filename);
  TIDEMARK_PRINT_FIELD(code_firstlineno);
  TIDEMARK_PRINT_FIELD(code_firsttraceable);
  TIDEMARK_PRINT_FIELD(code_adaptive);
  TIDEMARK_PRINT_FIELD(unicode_length);
  TIDEMARK_PRINT_FIELD(unicode_state);
  TIDEMARK_PRINT_FIELD(unicode_ascii_data);
  TIDEMARK_PRINT_FIELD(unicode_compact_data);
  TIDEMARK_PRINT_FIELD(unicode_data_any);
  TIDEMARK_PRINT_FIELD(state_kind_shift);
  TIDEMARK_PRINT_FIELD(state_kind_mask);
  TIDEMARK_PRINT_FIELD(state_compact_bit);
  TIDEMARK_PRINT_FIELD(state_ascii_bit);
  TIDEMARK_PRINT_FIELD(state_ready_bit);
  TIDEMARK_PRINT_FIELD(runtime_finalizing);
#undef TIDEMARK_PRINT_FIELD
}

}  // namespace
}  // namespace cpython
}  // namespace tidemark

int main(int argc, char** argv) {
  using tidemark::cpython::FindLayout;
  tidemark::cpython::PythonVersion version;
  if (argc != 2 || !tidemark::cpython::ParseVersionString(argv[1], &version)) {
    std::fprintf(stderr, "usage: %s MAJOR.MINOR\n", argv[0]);
    return 2;
  }
  const tidemark::cpython::Layout* layout =
      FindLayout(version.major, version.minor);
  if (layout == nullptr) {
    std::fprintf(stderr, "no layout table for %s\n", argv[1]);
    return 1;
  }
  tidemark::cpython::Print(*layout);
  return 0;
}
