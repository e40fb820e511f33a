# Helpers shared by every folder's CMakeLists.txt.

# ccache, with the settings that let it cache translation units that use a precompiled header and
# hit across clones of the repository (CI builds in a fresh clone).
find_program(DIFFRECON_CCACHE ccache)
if(DIFFRECON_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}
      ${DIFFRECON_CCACHE})
endif()

set(DIFFRECON_WARNINGS -Wall -Wextra -Wno-unused-parameter)

# One precompiled header holding LibTorch's tensor headers, compiled once and reused by every target
# (core/torch_pch.h says what it holds and what it saves).
function(diffrecon_setup_precompiled_header)
  if(NOT DIFFRECON_USE_PCH)
    return()
  endif()
  add_library(diffrecon_pch OBJECT ${CMAKE_SOURCE_DIR}/core/torch_pch.cpp)
  target_link_libraries(diffrecon_pch PRIVATE ${TORCH_LIBRARIES})
  target_compile_options(diffrecon_pch PRIVATE ${DIFFRECON_WARNINGS})
  target_precompile_headers(diffrecon_pch PRIVATE ${CMAKE_SOURCE_DIR}/core/torch_pch.h)
endfunction()

function(diffrecon_use_precompiled_header target)
  if(DIFFRECON_USE_PCH)
    target_precompile_headers(${target} REUSE_FROM diffrecon_pch)
  endif()
endfunction()

# diffrecon_add_library(<layer> SOURCES ... [DEPENDS ...])
# Creates diffrecon_<layer> (alias DiffRecon::<layer>) from the sources of one folder. Includes are
# rooted at the repository: #include "core/linear_operator.h".
function(diffrecon_add_library layer)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  set(target diffrecon_${layer})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(DiffRecon::${layer} ALIAS ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}>
    $<INSTALL_INTERFACE:include/diffrecon>)
  target_link_libraries(${target} PUBLIC ${ARG_DEPENDS})
  target_compile_options(${target} PRIVATE ${DIFFRECON_WARNINGS})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${layer})
  diffrecon_use_precompiled_header(${target})
  set_property(GLOBAL APPEND PROPERTY DIFFRECON_LIBRARIES ${target})
  file(RELATIVE_PATH folder ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/ DESTINATION include/diffrecon/${folder}
          FILES_MATCHING PATTERN "*.h")
endfunction()

# Installs the libraries and a CMake package so that other projects can find_package(DiffRecon).
function(diffrecon_install_package)
  include(CMakePackageConfigHelpers)
  get_property(libraries GLOBAL PROPERTY DIFFRECON_LIBRARIES)
  install(TARGETS ${libraries} EXPORT DiffReconTargets ARCHIVE DESTINATION lib)
  install(EXPORT DiffReconTargets NAMESPACE DiffRecon:: DESTINATION lib/cmake/DiffRecon)
  configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/DiffReconConfig.cmake.in
    ${CMAKE_BINARY_DIR}/DiffReconConfig.cmake INSTALL_DESTINATION lib/cmake/DiffRecon)
  write_basic_package_version_file(${CMAKE_BINARY_DIR}/DiffReconConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${CMAKE_BINARY_DIR}/DiffReconConfig.cmake ${CMAKE_BINARY_DIR}/DiffReconConfigVersion.cmake
          DESTINATION lib/cmake/DiffRecon)
endfunction()

# The allocator of an executable the project builds (the command, the tests, the benchmarks):
# tcmalloc_minimal when DIFFRECON_WITH_TCMALLOC, else the C library's. Libraries never choose it;
# a program linking DiffRecon decides for itself (docs/benchmarks.md, "Throughput").
function(diffrecon_link_allocator target)
  if(DIFFRECON_WITH_TCMALLOC)
    target_link_libraries(${target} PRIVATE ${DIFFRECON_TCMALLOC})
  endif()
endfunction()
