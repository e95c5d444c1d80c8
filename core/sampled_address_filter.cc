#include "core/sampled_address_filter.h"

namespace tidemark {

std::atomic<uint32_t> SampledAddressFilter::counts_[1 << kBits] = {};

}  // namespace tidemark
