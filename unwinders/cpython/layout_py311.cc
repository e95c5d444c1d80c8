// CPython 3.11's layout, printed by layout_probe.c from the headers of
// 3.11.2 (Debian) and 3.11.7 (pyenv), which agree. layout_probe_test.sh
// re-derives it whenever those headers are present. Frames are
// _PyInterpreterFrames from tstate->cframe->current_frame; prev_instr points
// into co_code_adaptive; no shim frames yet.
#include "unwinders/cpython/layout.h"

namespace tidemark {
namespace cpython {

// constexpr: Capture() may run during other libraries' static initialization,
// before any dynamic initializer of this file would have.
constexpr Layout kLayoutPy311 = [] {
  Layout l{};
  l.major = 3;
  l.minor = 11;
  l.object_type = 8;
  l.tstate_thread_id = 152;
  l.tstate_frame = 56;
  l.cframe_current_frame = 8;
  l.frame_lasti_is_index = 0;
  l.frame_previous = 48;
  l.frame_code = 32;
  l.frame_instr = 56;
  l.frame_owner = 69;
  l.owner_generator = 1;
  l.owner_cstack = -1;
  l.frame_is_entry = 68;
  l.code_name = 120;
  l.code_qualname = 128;
  l.code_filename = 112;
  l.code_firstlineno = 72;
  l.code_firsttraceable = 168;
  l.code_adaptive = 184;
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
  l.runtime_finalizing = 24;
  return l;
}();

}  // namespace cpython
}  // namespace tidemark
