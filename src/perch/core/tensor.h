// Tensor: a typed, shaped view of bytes it does not own (weights in the model's storage,
// intermediates in the session arena, inputs in caller memory). Owning storage is TensorBuffer.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "perch/core/dtype.h"
#include "perch/core/shape.h"

namespace perch {

struct Tensor {
  DType dtype = DType::kF32;
  Shape shape;
  void* data = nullptr;

  size_t nbytes() const { return static_cast<size_t>(shape.numel()) * dtype_size(dtype); }
  template <typename T>
  T* as() {
    return static_cast<T*>(data);
  }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data);
  }
};

// 64-byte aligned heap block, for weights packed at load and for arenas.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes);
  // Zero-filled, from calloc: large blocks come as fresh zero pages from the OS, so an arena is
  // not written (and committed) wholesale before the first run touches it.
  static AlignedBuffer zeroed(size_t bytes);
  ~AlignedBuffer();
  AlignedBuffer(AlignedBuffer&& o) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  bool ok() const { return !failed_; }  // false after a failed allocation
  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  void* block_ = nullptr;  // what free() takes (data_ rounded up to 64 bytes when from calloc)
  size_t size_ = 0;
  bool failed_ = false;
};

}  // namespace perch
