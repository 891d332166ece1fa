// Shape: up to kMaxRank dims, stored inline so shape inference never allocates.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace perch {

constexpr int kMaxRank = 6;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  // Fails (returns false) on rank > kMaxRank.
  static bool from(const int64_t* dims, int rank, Shape* out);

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims_[static_cast<size_t>(i)]; }
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i < 0 ? i + rank_ : i)]; }
  const int64_t* data() const { return dims_.data(); }
  void push_back(int64_t d) { dims_[static_cast<size_t>(rank_++)] = d; }
  void set_rank(int r) { rank_ = r; }

  // Product of dims; 1 for a scalar. Callers validate dims first (see checked_numel).
  int64_t numel() const;
  // Product of dims with overflow and negative checks: false when any dim < 0 or the product
  // exceeds `limit`.
  bool checked_numel(int64_t limit, int64_t* out) const;

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string to_string() const;  // "[2, 3, 4]"

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace perch
