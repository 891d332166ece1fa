#include "perch/core/shape.h"

namespace perch {

Shape::Shape(std::initializer_list<int64_t> dims) {
  for (int64_t d : dims) {
    if (rank_ == kMaxRank) break;
    dims_[static_cast<size_t>(rank_++)] = d;
  }
}

bool Shape::from(const int64_t* dims, int rank, Shape* out) {
  if (rank < 0 || rank > kMaxRank) return false;
  Shape s;
  for (int i = 0; i < rank; ++i) s.dims_[static_cast<size_t>(i)] = dims[i];
  s.rank_ = rank;
  *out = s;
  return true;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<size_t>(i)];
  return n;
}

bool Shape::checked_numel(int64_t limit, int64_t* out) const {
  // A zero dim makes the product 0 whatever the others are ([20, 0, 5] fits a limit of 0).
  bool zero = false;
  for (int i = 0; i < rank_; ++i) {
    if (dims_[static_cast<size_t>(i)] < 0) return false;
    zero = zero || dims_[static_cast<size_t>(i)] == 0;
  }
  if (zero) {
    *out = 0;
    return limit >= 0;
  }
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) {
    const int64_t d = dims_[static_cast<size_t>(i)];
    if (d < 0) return false;
    if (d != 0 && n > limit / d) return false;
    n *= d;
  }
  if (n > limit) return false;
  *out = n;
  return true;
}

bool Shape::operator==(const Shape& o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[static_cast<size_t>(i)] != o.dims_[static_cast<size_t>(i)]) return false;
  return true;
}

std::string Shape::to_string() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<size_t>(i)]);
  }
  return s + "]";
}

}  // namespace perch
