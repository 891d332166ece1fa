// A counting global operator new/delete for the test binary (counting_allocator.cc replaces
// them): tests read allocation_count() before and after a call to prove it allocates nothing.
#pragma once
#include <cstddef>

namespace perch::test {

// Number of operator new calls (all forms) so far, on every thread.
size_t allocation_count();

}  // namespace perch::test
