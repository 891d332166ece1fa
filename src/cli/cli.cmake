# The `perch` command line tool (native only: it reads files and spawns nothing in the browser).
# Each subcommand is one src/cli/cmd_*.cc that registers itself (see command.h).
if(NOT PERCH_WASM)
  file(GLOB PERCH_CLI_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/cli/*.cc)
  add_executable(perch_cli ${PERCH_CLI_SOURCES})
  set_target_properties(perch_cli PROPERTIES OUTPUT_NAME perch)
  # zlib inflates deflated .npz members (perch run --inputs-npz).
  find_package(ZLIB REQUIRED)
  target_link_libraries(perch_cli PRIVATE perch ZLIB::ZLIB)
  target_compile_options(perch_cli PRIVATE ${PERCH_WARNINGS})
  # import-onnx finds tools/convert/onnx_to_perch.py in the tree it was built from.
  target_compile_definitions(perch_cli PRIVATE PERCH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endif()
