# perch-server: the native fallback server and demo host (native builds only).
if(PERCH_WASM)
  return()
endif()

# Debian's cpp-httplib is a compiled library; its pkg-config file carries the feature macros
# (OpenSSL, zlib, brotli) that must match the library's class layout.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# Static files are compressed by perch itself (see static_compression.h).
pkg_check_modules(BROTLI_ENC REQUIRED IMPORTED_TARGET libbrotlienc)
find_package(ZLIB REQUIRED)

# Everything but main.cc is a library, so that the request-handling fuzz target
# (tests/fuzz/server_request_fuzz.cc) calls the very handlers the server runs.
file(GLOB PERCH_SERVER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/server/*.cc)
list(FILTER PERCH_SERVER_SOURCES EXCLUDE REGEX "/main\\.cc$")
add_library(perch_server_lib STATIC ${PERCH_SERVER_SOURCES})
target_link_libraries(perch_server_lib PUBLIC perch PkgConfig::CPP_HTTPLIB PkgConfig::BROTLI_ENC ZLIB::ZLIB)
target_compile_options(perch_server_lib PRIVATE ${PERCH_WARNINGS})
if(PERCH_FUZZ)
  target_compile_options(perch_server_lib PRIVATE -fsanitize=fuzzer-no-link)
endif()
add_executable(perch-server ${CMAKE_SOURCE_DIR}/src/server/main.cc)
target_link_libraries(perch-server PRIVATE perch_server_lib)
target_compile_options(perch-server PRIVATE ${PERCH_WARNINGS})
