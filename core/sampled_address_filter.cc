#include "core/sampled_address_filter.h"

namespace tidemark {

std::atomic<uint32_t> SampledAddressFilter::counts_[1 << kBits] = {};

void SampledAddressFilter::Clear() {
  for (std::atomic<uint32_t>& count : counts_) {
    count.store(0, std::memory_order_relaxed);
  }
}

}  // namespace tidemark
