# perch-server: the native fallback server and demo host (native builds only).
if(PERCH_WASM)
  return()
endif()

# Debian's cpp-httplib is a compiled library; its pkg-config file carries the feature macros
# (OpenSSL, zlib, brotli) that must match the library's class layout.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

file(GLOB PERCH_SERVER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/server/*.cc)
add_executable(perch-server ${PERCH_SERVER_SOURCES})
target_link_libraries(perch-server PRIVATE perch PkgConfig::CPP_HTTPLIB)
target_compile_options(perch-server PRIVATE ${PERCH_WARNINGS})
