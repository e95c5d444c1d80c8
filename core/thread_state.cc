#include "core/thread_state.h"

namespace tidemark {

thread_local ThreadState t_thread_state
    __attribute__((tls_model("initial-exec"))) = {};

void (*g_deferred_signal_runner)(int signal_number) = nullptr;

}  // namespace tidemark
