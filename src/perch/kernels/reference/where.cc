#include "perch/kernels/reference/where.h"

#include <cstring>

#include "perch/kernels/reference/broadcast.h"

namespace perch::reference {

void where(const uint8_t* cond, const Shape& cs, const void* a, const Shape& as, const void* b, const Shape& bs,
           void* y, const Shape& ys, size_t size) {
  const int rank = ys.rank();
  const int64_t total = ys.numel();
  int64_t sc[kMaxRank] = {}, sa[kMaxRank] = {}, sb[kMaxRank] = {}, idx[kMaxRank] = {};
  broadcast_strides(cs, ys, sc);
  broadcast_strides(as, ys, sa);
  broadcast_strides(bs, ys, sb);
  const auto* pa = static_cast<const unsigned char*>(a);
  const auto* pb = static_cast<const unsigned char*>(b);
  auto* py = static_cast<unsigned char*>(y);
  int64_t oc = 0, oa = 0, ob = 0;
  for (int64_t i = 0; i < total; ++i) {
    const bool take_a = cond == nullptr || cond[oc] != 0;
    std::memcpy(py + static_cast<size_t>(i) * size,
                take_a ? pa + static_cast<size_t>(oa) * size : pb + static_cast<size_t>(ob) * size, size);
    // Odometer over the output dims, keeping each operand's offset in step.
    for (int d = rank - 1; d >= 0; --d) {
      ++idx[d];
      oc += sc[d];
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < ys[d]) break;
      oc -= sc[d] * idx[d];
      oa -= sa[d] * idx[d];
      ob -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}

}  // namespace perch::reference
