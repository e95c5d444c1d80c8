#include "unwinders/cpython/layout.h"

#include <initializer_list>

namespace tidemark {
namespace cpython {

const Layout* FindLayout(int major, int minor) {
  for (const Layout* layout :
       {&kLayoutPy310, &kLayoutPy311, &kLayoutPy312, &kLayoutPy313}) {
    if (layout->major == major && layout->minor == minor) return layout;
  }
  return nullptr;
}

}  // namespace cpython
}  // namespace tidemark
