// CPython 3.12's layout, printed by layout_probe.c from the headers of
// 3.12.1. layout_probe_test.sh re-derives it whenever those headers are
// present. As 3.11 (cframe, f_code, prev_instr) but the struct fields moved,
// and each entry into the eval loop pushes a FRAME_OWNED_BY_CSTACK shim frame.
#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {

// constexpr: Capture() may run during other libraries' static initialization,
// before any dynamic initializer of this file would have.
constexpr Layout kLayoutPy312 = [] {
  Layout l{};
  l.major = 3;
  l.minor = 12;
  l.object_type = 8;
  l.tstate_thread_id = 136;
  l.tstate_frame = 56;
  l.cframe_current_frame = 0;
  l.frame_lasti_is_index = 0;
  l.frame_previous = 8;
  l.frame_code = 0;
  l.frame_instr = 56;
  l.frame_owner = 70;
  l.owner_generator = 1;
  l.owner_cstack = 3;
  l.frame_is_entry = -1;
  l.code_name = 120;
  l.code_qualname = 128;
  l.code_filename = 112;
  l.code_firstlineno = 68;
  l.code_firsttraceable = 176;
  l.code_adaptive = 192;
  l.unicode_length = 16;
  l.unicode_state = 32;
  l.unicode_ascii_data = 40;
  l.unicode_compact_data = 56;
  l.unicode_data_any = 56;
  l.state_kind_shift = 2;
  l.state_kind_mask = 7;
  l.state_compact_bit = 5;
  l.state_ascii_bit = 6;
  l.state_ready_bit = -1;
  l.runtime_finalizing = 24;
  return l;
}();

}  // namespace cpython
}  // namespace tidemark
