// CPython 3.13's layout, printed by layout_probe.c from the headers of
// 3.13.0. layout_probe_test.sh re-derives it whenever those headers are
// present. No cframe: tstate->current_frame. f_executable (may be None, not
// only a code object) and instr_ptr (the current instruction) replace f_code
// and prev_instr.
#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {

// constexpr: Capture() may run during other libraries' static initialization,
// before any dynamic initializer of this file would have.
constexpr Layout kLayoutPy313 = [] {
  Layout l{};
  l.major = 3;
  l.minor = 13;
  l.object_type = 8;
  l.tstate_thread_id = 152;
  l.tstate_frame = 72;
  l.cframe_current_frame = -1;
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
  l.code_firsttraceable = 184;
  l.code_adaptive = 200;
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
  l.runtime_finalizing = 608;
  return l;
}();

}  // namespace cpython
}  // namespace tidemark
