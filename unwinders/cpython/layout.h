#ifndef TIDEMARK_UNWINDERS_CPYTHON_LAYOUT_H_
#define TIDEMARK_UNWINDERS_CPYTHON_LAYOUT_H_

namespace tidemark {
namespace cpython {

// Where one CPython minor version keeps what the unwinder reads: byte offsets
// into its structs, enum values and bit positions. The unwinder is built
// without any Python headers (it is preloaded into whatever python runs, and
// into programs with no Python at all), so each supported version has a
// hand-written table in layout_py3NN.cc, derived with layout_probe.c and
// checked against the headers by layout_probe_test.sh. -1 means "this
// version has no such field".
struct Layout {
  int major;
  int minor;

  // PyObject.
  int object_type;  // ob_type

  // PyThreadState.
  int tstate_thread_id;  // pthread_self() of the thread that owns it
  // 3.10: PyFrameObject* frame. 3.11, 3.12: _PyCFrame* cframe.
  // 3.13: _PyInterpreterFrame* current_frame.
  int tstate_frame;
  // _PyCFrame.current_frame when tstate_frame points at a _PyCFrame.
  int cframe_current_frame;

  // The frame chain: PyFrameObject on 3.10, _PyInterpreterFrame after.
  // 1 when frame_instr is 3.10's int f_lasti (an instruction index); 0 when
  // it is a _Py_CODEUNIT* into the code object's co_code_adaptive
  // (prev_instr on 3.11 and 3.12, instr_ptr on 3.13).
  int frame_lasti_is_index;
  int frame_previous;   // f_back / previous
  int frame_code;       // f_code / f_executable
  int frame_instr;      // f_lasti / prev_instr / instr_ptr
  int frame_owner;      // char owner (3.11+)
  int owner_generator;  // FRAME_OWNED_BY_GENERATOR
  int owner_cstack;     // FRAME_OWNED_BY_CSTACK (3.12+): entry shim frames
  // bool is_entry (3.11 only): the frame is the outermost of one C call of
  // the evaluator (3.12+ mark that with a shim frame instead).
  int frame_is_entry;

  // PyCodeObject.
  int code_name;
  int code_qualname;
  int code_filename;
  int code_firstlineno;     // int
  int code_firsttraceable;  // int _co_firsttraceable, in code units (3.11+)
  int code_adaptive;        // co_code_adaptive, the bytecode (3.11+)

  // PyASCIIObject / PyCompactUnicodeObject / PyUnicodeObject.
  int unicode_length;        // Py_ssize_t length, in code points
  int unicode_state;         // the 32-bit state bitfield
  int unicode_ascii_data;    // sizeof(PyASCIIObject): compact ASCII data
  int unicode_compact_data;  // sizeof(PyCompactUnicodeObject): other compact
  int unicode_data_any;      // PyUnicodeObject.data.any: non-compact data
  int state_kind_shift;      // state.kind: 1, 2 or 4 bytes per code point
  int state_kind_mask;
  int state_compact_bit;
  int state_ascii_bit;
  int state_ready_bit;  // 3.10, 3.11: data of non-ready strings is absent

  // _PyRuntimeState._finalizing: the thread state running Py_Finalize.
  int runtime_finalizing;
};

extern const Layout kLayoutPy310;
extern const Layout kLayoutPy311;
extern const Layout kLayoutPy312;
extern const Layout kLayoutPy313;

// The table for CPython major.minor, or nullptr if there is none.
const Layout* FindLayout(int major, int minor);
// The versions FindLayout knows, as users read them.
inline constexpr char kSupportedVersions[] = "CPython 3.10 to 3.13";

}  // namespace cpython
}  // namespace tidemark

#endif  // TIDEMARK_UNWINDERS_CPYTHON_LAYOUT_H_
