// Prints the CPython struct offsets the cpython unwinder needs, in the
// "name value" form that layout_dump prints for the hand-written tables in
// layout_py3*.cc. The unwinder itself never includes Python headers (the
// preloaded library must not depend on one version's headers at build time),
// so this probe is how those tables are derived and kept honest.
//
// Derive a table (dev tool, not built by Bazel; Py_BUILD_CORE unlocks the
// internal headers that define the frame structs):
//   INC=$(pyenv root)/versions/3.12.1/include/python3.12
//   gcc -DPy_BUILD_CORE -I"$INC" -o /tmp/layout_probe layout_probe.c
//   /tmp/layout_probe
// layout_probe_test.sh does this against every set of headers it finds and
// diffs the result with the compiled-in table for that version.
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#if PY_VERSION_HEX < 0x030A0000 || PY_VERSION_HEX >= 0x030E0000
#error "layout_probe knows CPython 3.10 to 3.13 only"
#endif

#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h>
#else
#include <internal/pycore_frame.h>
#endif
#include <internal/pycore_runtime.h>

#define PRINT(name, value) printf("%s %d\n", name, (int)(value))

// Position of the lowest set bit of the state word after `set` ran on a
// zeroed PyASCIIObject, and how many bits are set: the bitfield's layout as
// this compiler (the same ABI as the one that built CPython) allocates it.
static unsigned int StateWord(const PyASCIIObject* o) {
  unsigned int word;
  memcpy(&word, (const char*)o + offsetof(PyASCIIObject, state), sizeof word);
  return word;
}

static int LowestBit(unsigned int word) {
  return word == 0 ? -1 : __builtin_ctz(word);
}

int main(void) {
  PyASCIIObject o;

  printf("version %d.%d\n", PY_MAJOR_VERSION, PY_MINOR_VERSION);
  PRINT("object_type", offsetof(PyObject, ob_type));

  PRINT("tstate_thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX < 0x030B0000
  PRINT("tstate_frame", offsetof(PyThreadState, frame));
  PRINT("cframe_current_frame", -1);
#elif PY_VERSION_HEX < 0x030D0000
  PRINT("tstate_frame", offsetof(PyThreadState, cframe));
  PRINT("cframe_current_frame", offsetof(_PyCFrame, current_frame));
#else
  PRINT("tstate_frame", offsetof(PyThreadState, current_frame));
  PRINT("cframe_current_frame", -1);
#endif

#if PY_VERSION_HEX < 0x030B0000
  PRINT("frame_lasti_is_index", 1);
  PRINT("frame_previous", offsetof(PyFrameObject, f_back));
  PRINT("frame_code", offsetof(PyFrameObject, f_code));
  PRINT("frame_instr", offsetof(PyFrameObject, f_lasti));
  PRINT("frame_owner", -1);
  PRINT("owner_generator", -1);
  PRINT("owner_cstack", -1);
  PRINT("frame_is_entry", -1);
#else
  PRINT("frame_lasti_is_index", 0);
  PRINT("frame_previous", offsetof(_PyInterpreterFrame, previous));
#if PY_VERSION_HEX < 0x030D0000
  PRINT("frame_code", offsetof(_PyInterpreterFrame, f_code));
  PRINT("frame_instr", offsetof(_PyInterpreterFrame, prev_instr));
#else
  PRINT("frame_code", offsetof(_PyInterpreterFrame, f_executable));
  PRINT("frame_instr", offsetof(_PyInterpreterFrame, instr_ptr));
#endif
  PRINT("frame_owner", offsetof(_PyInterpreterFrame, owner));
  PRINT("owner_generator", FRAME_OWNED_BY_GENERATOR);
#if PY_VERSION_HEX < 0x030C0000
  PRINT("owner_cstack", -1);
  PRINT("frame_is_entry", offsetof(_PyInterpreterFrame, is_entry));
#else
  PRINT("owner_cstack", FRAME_OWNED_BY_CSTACK);
  PRINT("frame_is_entry", -1);
#endif
#endif

  PRINT("code_name", offsetof(PyCodeObject, co_name));
#if PY_VERSION_HEX < 0x030B0000
  PRINT("code_qualname", -1);
#else
  PRINT("code_qualname", offsetof(PyCodeObject, co_qualname));
#endif
  PRINT("code_filename", offsetof(PyCodeObject, co_filename));
  PRINT("code_firstlineno", offsetof(PyCodeObject, co_firstlineno));
#if PY_VERSION_HEX < 0x030B0000
  PRINT("code_firsttraceable", -1);
  PRINT("code_adaptive", -1);
#else
  PRINT("code_firsttraceable", offsetof(PyCodeObject, _co_firsttraceable));
  PRINT("code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
#endif

  PRINT("unicode_length", offsetof(PyASCIIObject, length));
  PRINT("unicode_state", offsetof(PyASCIIObject, state));
  PRINT("unicode_ascii_data", sizeof(PyASCIIObject));
  PRINT("unicode_compact_data", sizeof(PyCompactUnicodeObject));
  PRINT("unicode_data_any", offsetof(PyUnicodeObject, data));

  memset(&o, 0, sizeof o);
  o.state.kind = 7;
  PRINT("state_kind_shift", LowestBit(StateWord(&o)));
  PRINT("state_kind_mask", StateWord(&o) >> LowestBit(StateWord(&o)));
  memset(&o, 0, sizeof o);
  o.state.compact = 1;
  PRINT("state_compact_bit", LowestBit(StateWord(&o)));
  memset(&o, 0, sizeof o);
  o.state.ascii = 1;
  PRINT("state_ascii_bit", LowestBit(StateWord(&o)));
#if PY_VERSION_HEX < 0x030C0000
  memset(&o, 0, sizeof o);
  o.state.ready = 1;
  PRINT("state_ready_bit", LowestBit(StateWord(&o)));
#else
  PRINT("state_ready_bit", -1);
#endif

  PRINT("runtime_finalizing", offsetof(_PyRuntimeState, _finalizing));
  return 0;
}
