// CPython 3.10's layout, printed by layout_probe.c from the headers of
// 3.10.13. layout_probe_test.sh re-derives it whenever those headers are
// present. Frames are PyFrameObjects linked from tstate->frame by f_back;
// f_lasti is an instruction index; code objects have no co_qualname.
#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {

// constexpr: Capture() may run during other libraries' static initialization,
// before any dynamic initializer of this file would have.
constexpr Layout kLayoutPy310 = [] {
  Layout l{};
  l.major = 3;
  l.minor = 10;
  l.object_type = 8;
  l.tstate_thread_id = 176;
  l.tstate_frame = 24;
  l.cframe_current_frame = -1;
  l.frame_lasti_is_index = 1;
  l.frame_previous = 24;
  l.frame_code = 32;
  l.frame_instr = 96;
  l.frame_owner = -1;
  l.owner_generator = -1;
  l.owner_cstack = -1;
  l.frame_is_entry = -1;
  l.code_name = 112;
  l.code_qualname = -1;
  l.code_filename = 104;
  l.code_firstlineno = 40;
  l.code_firsttraceable = -1;
  l.code_adaptive = -1;
  l.unicode_length = 16;
  l.unicode_state = 32;
  l.unicode_ascii_data = 48;
  l.unicode_compact_data = 72;
  l.unicode_data_any = 72;
  l.state_kind_shift = 2;
  l.state_kind_mask = 7;
  l.state_compact_bit = 5;
  l.state_ascii_bit = 6;
  l.state_ready_bit = 7;
  l.runtime_finalizing = 16;
  return l;
}();

}  // namespace cpython
}  // namespace tidemark
