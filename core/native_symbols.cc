#include "core/native_symbols.h"

#include <cxxabi.h>
#include <dwarf.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/libdw_api.h"

namespace tidemark {
namespace {

// `name` demangled, without a symbol version ("memcpy@@GLIBC_2.14").
std::string Demangle(const char* versioned) {
  if (versioned == nullptr) return "";
  const char* at = strchr(versioned, '@');
  std::string bare =
      at == nullptr
          ? std::string(versioned)
          : std::string(versioned, static_cast<size_t>(at - versioned));
  const char* name = bare.c_str();
  int status = 0;
  char* plain = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || plain == nullptr) return bare;
  std::string out = plain;
  free(plain);
  return out;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A module's symbols sorted by address, for naming many addresses: libdw's
// dwfl_module_addrinfo reads every symbol of the table at each call (a
// stripped libpython has thousands), which made naming a --native
// profile's frames cost more than rendering it.
class SymbolIndex {
 public:
  void Build(const LibdwApi& dw, Dwfl_Module* mod) {
    const int count = dw.dwfl_module_getsymtab(mod);
    for (int i = 1; i < count; ++i) {  // 0 is the null symbol
      GElf_Sym sym;
      GElf_Addr address = 0;
      const char* name = dw.dwfl_module_getsym_info(mod, i, &sym, &address,
                                                    nullptr, nullptr, nullptr);
      const int type = GELF_ST_TYPE(sym.st_info);
      // As addrinfo: defined symbols with a size, no section, file or TLS
      // markers (a sizeless symbol names no range: the address then gets
      // MODULE+0xOFFSET).
      if (name == nullptr || name[0] == '\0' || sym.st_shndx == SHN_UNDEF ||
          sym.st_size == 0 || type == STT_SECTION || type == STT_FILE ||
          type == STT_TLS) {
        continue;
      }
      symbols_.push_back(
          Symbol{address, address + sym.st_size, BindingRank(sym), name});
    }
    // By start; at one start (aliases), the preferred binding last, where
    // a search walking back meets it first.
    std::sort(symbols_.begin(), symbols_.end(),
              [](const Symbol& a, const Symbol& b) {
                return a.start != b.start ? a.start < b.start : a.rank < b.rank;
              });
  }

  // The name of the symbol whose range holds `pc` (the nearest start),
  // or nullptr.
  const char* Find(uint64_t pc) const {
    auto it = std::upper_bound(
        symbols_.begin(), symbols_.end(), pc,
        [](uint64_t value, const Symbol& s) { return value < s.start; });
    // Ranges rarely nest: a few steps back find the one that holds pc.
    for (int steps = 0; it != symbols_.begin() && steps < kMaxSteps; ++steps) {
      --it;
      if (pc < it->end) return it->name;
    }
    return nullptr;
  }

 private:
  static constexpr int kMaxSteps = 16;
  struct Symbol {
    uint64_t start;
    uint64_t end;
    int rank;
    const char* name;  // in libdw's copy of the string table
  };
  // GLOBAL over WEAK over LOCAL, as addrinfo prefers.
  static int BindingRank(const GElf_Sym& sym) {
    switch (GELF_ST_BIND(sym.st_info)) {
      case STB_GLOBAL:
        return 2;
      case STB_WEAK:
        return 1;
      default:
        return 0;
    }
  }
  std::vector<Symbol> symbols_;
};

// One module opened for naming: its own Dwfl, reported at the load bias it
// had, so run-time addresses are looked up as they are.
struct OpenModule {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* module = nullptr;
  SymbolIndex symbols;
};

class Symbolizer {
 public:
  explicit Symbolizer(const std::vector<ProfileModule>& modules)
      : modules_(modules), dw_(nullptr) {}
  ~Symbolizer() {
    for (auto& [index, open] : open_) {
      if (open.dwfl != nullptr) dw_->dwfl_end(open.dwfl);
    }
  }

  // `frame` named as one or more frames, innermost first.
  std::vector<ProfileFrame> Name(const ProfileFrame& frame) {
    if (!dw_tried_) {
      dw_tried_ = true;
      dw_ = Libdw();
    }
    const int index = FindModule(frame);
    ProfileFrame named = frame;
    if (index < 0) {
      char text[32];
      snprintf(text, sizeof(text), "0x%" PRIx64, frame.address);
      named.function = text;
      named.file = "[unmapped]";
      return {named};
    }
    const ProfileModule& module = modules_[index];
    named.module = module.path;
    named.file = module.path;
    char offset[48];
    snprintf(offset, sizeof(offset), "+0x%" PRIx64,
             frame.address - module.bias);
    // A return address: the call is the instruction before it.
    const uint64_t pc = frame.address - 1;
    Dwfl_Module* mod = Open(index);
    const char* symbol =
        mod == nullptr ? nullptr : open_[index].symbols.Find(pc);
    named.function =
        symbol != nullptr ? Demangle(symbol) : BaseName(module.path) + offset;
    if (mod == nullptr) return {named};
    std::vector<ProfileFrame> out = Inlined(mod, pc, named);
    if (!out.empty()) return out;
    Dwfl_Line* line = dw_->dwfl_module_getsrc(mod, pc);
    int number = 0;
    const char* source = line == nullptr
                             ? nullptr
                             : dw_->dwfl_lineinfo(line, nullptr, &number,
                                                  nullptr, nullptr, nullptr);
    if (source != nullptr && number > 0) {
      named.file = source;
      named.line = number;
    }
    return {named};
  }

 private:
  // The module that held the frame: the path recorded with it, the most
  // recent load whose range holds the address (entries are never
  // removed, so a library loaded twice has two).
  int FindModule(const ProfileFrame& frame) const {
    int any = -1;
    for (int i = static_cast<int>(modules_.size()); i-- > 0;) {
      const ProfileModule& m = modules_[i];
      if (frame.address < m.start || frame.address >= m.end) continue;
      if (m.path == frame.module) return i;
      if (any < 0) any = i;
    }
    return any;
  }

  Dwfl_Module* Open(int index) {
    auto [it, inserted] = open_.try_emplace(index);
    OpenModule& open = it->second;
    if (!inserted) return open.module;
    if (dw_ == nullptr) return nullptr;
    static const Dwfl_Callbacks kCallbacks = {
        dw_->dwfl_build_id_find_elf,
        dw_->dwfl_standard_find_debuginfo,
        dw_->dwfl_offline_section_address,
        nullptr,
    };
    const ProfileModule& module = modules_[index];
    if (module.path.empty() || module.path[0] != '/') return nullptr;
    open.dwfl = dw_->dwfl_begin(&kCallbacks);
    if (open.dwfl == nullptr) return nullptr;
    dw_->dwfl_report_begin(open.dwfl);
    Dwfl_Module* mod =
        dw_->dwfl_report_elf(open.dwfl, BaseName(module.path).c_str(),
                             module.path.c_str(), -1, module.bias, false);
    dw_->dwfl_report_end(open.dwfl, nullptr, nullptr);
    if (mod == nullptr) return nullptr;
    // The file on disk must be the one that was loaded.
    const unsigned char* bits = nullptr;
    GElf_Addr vaddr = 0;
    const int bytes = dw_->dwfl_module_build_id(mod, &bits, &vaddr);
    if (!module.build_id.empty() &&
        (bytes != static_cast<int>(module.build_id.size()) ||
         memcmp(bits, module.build_id.data(), module.build_id.size()) != 0)) {
      return nullptr;
    }
    open.module = mod;
    open.symbols.Build(*dw_, mod);
    return mod;
  }

  // The chain of functions inlined at `pc`, innermost first, each named
  // and placed (the innermost at the line table's line, each outer one at
  // the call site of the one inside it); empty without DWARF scopes.
  std::vector<ProfileFrame> Inlined(Dwfl_Module* mod, uint64_t pc,
                                    const ProfileFrame& base) {
    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = dw_->dwfl_module_addrdie(mod, pc, &bias);
    if (cu == nullptr) return {};
    // The concrete functions and inlined bodies whose code holds pc, from
    // the compilation unit's index (made once per unit: libdw's own
    // dwarf_getscopes walks the unit from its root at every call, seconds
    // per report on a large unit like CPython's ceval.c).
    const std::vector<Scope>& index = ScopesOf(cu);
    std::vector<const Scope*> chain;
    for (const Scope& scope : index) {
      if (scope.low <= pc - bias && pc - bias < scope.high) {
        chain.push_back(&scope);
      }
    }
    if (chain.empty()) return {};
    // Innermost first: nested bodies are deeper in the tree.
    std::stable_sort(
        chain.begin(), chain.end(),
        [](const Scope* a, const Scope* b) { return a->depth > b->depth; });
    const int n = static_cast<int>(chain.size());
    Dwarf_Files* files = nullptr;
    size_t file_count = 0;
    if (dw_->dwarf_getsrcfiles(cu, &files, &file_count) != 0) files = nullptr;
    Dwfl_Line* line = dw_->dwfl_module_getsrc(mod, pc);
    int number = 0;
    const char* source = line == nullptr
                             ? nullptr
                             : dw_->dwfl_lineinfo(line, nullptr, &number,
                                                  nullptr, nullptr, nullptr);
    std::string file = source != nullptr ? source : base.file;
    std::vector<ProfileFrame> out;
    for (int i = 0; i < n; ++i) {
      Dwarf_Die die_copy = chain[i]->die;  // libdw takes non-const DIEs
      Dwarf_Die* die = &die_copy;
      const int tag = dw_->dwarf_tag(die);
      if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine) {
        continue;
      }
      ProfileFrame frame = base;
      frame.file = file;
      frame.line = number > 0 ? number : 0;
      if (tag == DW_TAG_subprogram) {
        // The real function: the symbol table's full name when it has one.
        if (base.function.find("+0x") != std::string::npos ||
            base.function.empty()) {
          frame.function = DieName(die, base.function);
        }
        out.push_back(frame);
        break;
      }
      frame.function = DieName(die, base.function);
      out.push_back(frame);
      // The caller's place: where this body was inlined.
      Dwarf_Attribute attr;
      Dwarf_Word call_file = 0;
      Dwarf_Word call_line = 0;
      if (dw_->dwarf_formudata(dw_->dwarf_attr(die, DW_AT_call_line, &attr),
                               &call_line) == 0) {
        number = static_cast<int>(call_line);
      } else {
        number = 0;
      }
      const char* name = nullptr;
      if (files != nullptr &&
          dw_->dwarf_formudata(dw_->dwarf_attr(die, DW_AT_call_file, &attr),
                               &call_file) == 0 &&
          call_file < file_count) {
        name = dw_->dwarf_filesrc(files, call_file, nullptr, nullptr);
      }
      if (name != nullptr) file = name;
    }
    return out;
  }

  // A function or inlined body with code: one of its address ranges.
  struct Scope {
    uint64_t low;
    uint64_t high;
    int depth;
    Dwarf_Die die;
  };

  const std::vector<Scope>& ScopesOf(Dwarf_Die* cu) {
    auto found = scopes_.find(cu->addr);
    if (found != scopes_.end()) return found->second;
    std::vector<Scope>& index = scopes_[cu->addr];
    CollectScopes(cu, 1, &index);
    return index;
  }

  void CollectScopes(Dwarf_Die* parent, int depth, std::vector<Scope>* out) {
    Dwarf_Die child;
    if (dw_->dwarf_child(parent, &child) != 0) return;
    do {
      const int tag = dw_->dwarf_tag(&child);
      if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
        Dwarf_Addr base = 0;
        Dwarf_Addr low = 0;
        Dwarf_Addr high = 0;
        for (ptrdiff_t at = 0;
             (at = dw_->dwarf_ranges(&child, at, &base, &low, &high)) > 0;) {
          out->push_back(Scope{low, high, depth, child});
        }
      }
      // Functions nest in lexical blocks, namespaces and classes too.
      if (dw_->dwarf_haschildren(&child) > 0) {
        CollectScopes(&child, depth + 1, out);
      }
    } while (dw_->dwarf_siblingof(&child, &child) == 0);
  }

  std::string DieName(Dwarf_Die* die, const std::string& fallback) {
    Dwarf_Attribute attr;
    const char* linkage = dw_->dwarf_formstring(
        dw_->dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (linkage != nullptr) return Demangle(linkage);
    const char* name = dw_->dwarf_formstring(
        dw_->dwarf_attr_integrate(die, DW_AT_name, &attr));
    return name != nullptr ? name : fallback;
  }

  const std::vector<ProfileModule>& modules_;
  // Loaded on the first frame to name (a profile without native frames
  // never loads libdw).
  const LibdwApi* dw_;
  bool dw_tried_ = false;
  std::map<int, OpenModule> open_;
  // Per compilation unit (its DIE's address in the mapped debug data).
  std::map<void*, std::vector<Scope>> scopes_;
};

void ExpandStacks(const std::vector<std::vector<int>>& expansion,
                  std::vector<ProfileStack>* stacks) {
  for (ProfileStack& stack : *stacks) {
    std::vector<int> frames;
    frames.reserve(stack.frames.size());
    for (int f : stack.frames) {
      if (f >= 0 && static_cast<size_t>(f) < expansion.size() &&
          !expansion[f].empty()) {
        frames.insert(frames.end(), expansion[f].begin(), expansion[f].end());
      } else {
        frames.push_back(f);
      }
    }
    stack.frames = std::move(frames);
  }
}

}  // namespace

void SymbolizeNativeFrames(Profile* profile) {
  Symbolizer symbolizer(profile->modules);
  // Frame f becomes frames expansion[f] (innermost first) when inlined
  // functions add frames; empty: f stays itself.
  std::vector<std::vector<int>> expansion;
  const size_t count = profile->frames.size();
  for (size_t f = 0; f < count; ++f) {
    const ProfileFrame& frame = profile->frames[f];
    if (frame.kind != FrameKind::kNative || frame.address == 0 ||
        !frame.function.empty()) {
      continue;
    }
    std::vector<ProfileFrame> named = symbolizer.Name(frame);
    profile->frames[f] = named[0];
    if (named.size() == 1) continue;
    expansion.resize(count);
    expansion[f].push_back(static_cast<int>(f));
    for (size_t i = 1; i < named.size(); ++i) {
      expansion[f].push_back(static_cast<int>(profile->frames.size()));
      profile->frames.push_back(named[i]);
    }
  }
  if (expansion.empty()) return;
  ExpandStacks(expansion, &profile->stacks);
  ExpandStacks(expansion, &profile->end_stacks);
}

}  // namespace tidemark
