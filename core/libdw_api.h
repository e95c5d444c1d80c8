#ifndef TIDEMARK_CORE_LIBDW_API_H_
#define TIDEMARK_CORE_LIBDW_API_H_

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <libelf.h>

namespace tidemark {

// The elfutils functions Tidemark uses, from libdw.so.1 loaded with
// dlopen(RTLD_LOCAL) on first use. Not linked: Debian's libdw.a uses
// local-exec TLS, so it cannot go into the preloaded shared library, and
// linking libdw.so would put it (with libelf, zlib, xz, bzip2, zstd) into
// every profiled program, its symbols in the program's lookup order. This
// way only a process that names native frames loads it, privately.
#define TIDEMARK_LIBDW_FUNCTIONS(X) \
  X(dwfl_begin)                     \
  X(dwfl_end)                       \
  X(dwfl_report_begin)              \
  X(dwfl_report_elf)                \
  X(dwfl_report_end)                \
  X(dwfl_module_build_id)           \
  X(dwfl_module_getsymtab)          \
  X(dwfl_module_getsym_info)        \
  X(dwfl_module_getsrc)             \
  X(dwfl_lineinfo)                  \
  X(dwfl_module_addrdie)            \
  X(dwfl_build_id_find_elf)         \
  X(dwfl_standard_find_debuginfo)   \
  X(dwfl_offline_section_address)   \
  X(dwarf_child)                    \
  X(dwarf_siblingof)                \
  X(dwarf_haschildren)              \
  X(dwarf_ranges)                   \
  X(dwarf_getsrcfiles)              \
  X(dwarf_filesrc)                  \
  X(dwarf_tag)                      \
  X(dwarf_attr)                     \
  X(dwarf_attr_integrate)           \
  X(dwarf_formudata)                \
  X(dwarf_formstring)               \
  X(dwarf_getcfi_elf)               \
  X(dwarf_cfi_addrframe)            \
  X(dwarf_frame_cfa)                \
  X(dwarf_frame_register)           \
  X(dwarf_cfi_end)                  \
  X(elf_version)                    \
  X(elf_begin)                      \
  X(elf_end)                        \
  X(elf_cntl)

struct LibdwApi {
#define TIDEMARK_LIBDW_MEMBER(name) decltype(&::name) name;
  TIDEMARK_LIBDW_FUNCTIONS(TIDEMARK_LIBDW_MEMBER)
#undef TIDEMARK_LIBDW_MEMBER
};

// The loaded functions, or nullptr (with one `tidemark:` line on stderr,
// once) when libdw.so.1 or one of them is missing. Thread-safe; the
// library stays loaded.
const LibdwApi* Libdw();

}  // namespace tidemark

#endif  // TIDEMARK_CORE_LIBDW_API_H_
