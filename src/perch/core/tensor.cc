#include "perch/core/tensor.h"

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <utility>

namespace perch {

AlignedBuffer::AlignedBuffer(size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  if (bytes > std::numeric_limits<size_t>::max() - 63) {  // the rounding below would wrap
    size_ = 0;
    failed_ = true;
    return;
  }
  const size_t rounded = (bytes + 63) / 64 * 64;
  data_ = block_ = std::aligned_alloc(64, rounded);
  if (!data_) {
    size_ = 0;
    failed_ = true;
  }
}

AlignedBuffer AlignedBuffer::zeroed(size_t bytes) {
  AlignedBuffer b;
  if (bytes == 0) return b;
  if (bytes > std::numeric_limits<size_t>::max() - 64) {
    b.failed_ = true;
    return b;
  }
  b.block_ = std::calloc(1, bytes + 64);
  if (!b.block_) {
    b.failed_ = true;
    return b;
  }
  const uintptr_t p = reinterpret_cast<uintptr_t>(b.block_);
  b.data_ = reinterpret_cast<void*>((p + 63) / 64 * 64);
  b.size_ = bytes;
  return b;
}

AlignedBuffer::~AlignedBuffer() { std::free(block_); }

AlignedBuffer::AlignedBuffer(AlignedBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      block_(std::exchange(o.block_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      failed_(std::exchange(o.failed_, false)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& o) noexcept {
  if (this != &o) {
    std::free(block_);
    data_ = std::exchange(o.data_, nullptr);
    block_ = std::exchange(o.block_, nullptr);
    size_ = std::exchange(o.size_, 0);
    failed_ = std::exchange(o.failed_, false);
  }
  return *this;
}

}  // namespace perch
