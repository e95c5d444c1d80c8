#include "core/sampler.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cmath>

namespace tidemark {
namespace {

std::atomic<uint64_t> g_seed{0};
std::atomic<uint64_t> g_thread_counter{0};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void SeedThread(ThreadState& state) {
  uint64_t seed = g_seed.load(std::memory_order_relaxed);
  // With a fixed seed every thread still needs its own stream; the n-th
  // thread to sample gets the n-th stream, which is reproducible for a
  // program whose threads start in a fixed order.
  uint64_t mix = g_thread_counter.fetch_add(1, std::memory_order_relaxed) + 1;
  if (seed == 0) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    seed = static_cast<uint64_t>(ts.tv_nsec) ^
           (static_cast<uint64_t>(ts.tv_sec) << 32) ^
           static_cast<uint64_t>(syscall(SYS_gettid));
  }
  state.rng_state = seed ^ (mix * 0xD1B54A32D192ED03ULL);
  if (state.rng_state == 0) state.rng_state = 1;
}

}  // namespace

std::atomic<int64_t> Sampler::interval_{1 << 20};

void Sampler::Configure(int64_t interval_bytes, uint64_t seed) {
  interval_.store(interval_bytes, std::memory_order_relaxed);
  g_seed.store(seed, std::memory_order_relaxed);
}

int64_t Sampler::DrawGap(ThreadState& state, int64_t interval_bytes) {
  if (state.rng_state == 0) SeedThread(state);
  // 53 random bits -> u in (0, 1]; -ln(u) is exponential with mean 1.
  const uint64_t bits = SplitMix64(state.rng_state) >> 11;
  const double u = (static_cast<double>(bits) + 1.0) * 0x1.0p-53;
  const double gap = -std::log(u) * static_cast<double>(interval_bytes);
  return static_cast<int64_t>(gap) + 1;
}

int64_t Sampler::WeightFor(uint64_t size, int64_t interval_bytes) {
  if (static_cast<int64_t>(size) >= interval_bytes) {
    return static_cast<int64_t>(size);
  }
  const double x =
      static_cast<double>(size) / static_cast<double>(interval_bytes);
  // -expm1(-x) = 1 - e^-x, accurate for the tiny x of small allocations.
  const double p = -std::expm1(-x);
  return static_cast<int64_t>(std::llround(static_cast<double>(size) / p));
}

int64_t Sampler::OnCountdownCrossed(ThreadState& state, uint64_t size) {
  const int64_t interval = interval_bytes();
  if (static_cast<int64_t>(size) >= interval) {
    // Always recorded, exactly, and the countdown is left where it was so
    // the sampling of small allocations is undisturbed.
    state.bytes_until_sample += static_cast<int64_t>(size);
    if (state.rng_state == 0) {
      state.bytes_until_sample = DrawGap(state, interval);
    }
    return static_cast<int64_t>(size);
  }
  if (state.rng_state == 0) {
    // First allocation on this thread: the countdown was never drawn.
    // Draw it now and apply this allocation to it.
    state.bytes_until_sample =
        DrawGap(state, interval) - static_cast<int64_t>(size);
    if (state.bytes_until_sample > 0) return 0;
  }
  // Memorylessness: the distance to the next mark after this allocation is
  // a fresh exponential draw, whatever was left over.
  state.bytes_until_sample = DrawGap(state, interval);
  return WeightFor(size, interval);
}

}  // namespace tidemark
