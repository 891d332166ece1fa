// The Catch2 (v2, Debian's single header) runner for every C++ test file in this folder.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
