# ctest script: install the build tree into a temporary prefix, build the consumer project against
# it with find_package(DiffRecon), run it (the README's library example), and run the installed
# `diffrecon demo`, which must find the installed priors. Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE result OUTPUT_QUIET)
if(result)
  message(FATAL_ERROR "installing DiffRecon failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "configuring the consumer against the installed DiffRecon failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "building the consumer failed")
endif()
file(MAKE_DIRECTORY ${WORK_DIR}/run)
execute_process(COMMAND ${WORK_DIR}/build/consumer ${WORK_DIR}/prefix ${WORK_DIR}/run RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the consumer failed (exit status ${result})")
endif()
if(NOT EXISTS ${WORK_DIR}/prefix/bin/diffrecon OR EXISTS ${WORK_DIR}/prefix/lib/libdiffrecon_cli.a)
  message(FATAL_ERROR "the install should hold bin/diffrecon and no CLI library")
endif()
# The installed binary finds the installed models (no source path compiled in).
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=DIFFRECON_MODELS ${WORK_DIR}/prefix/bin/diffrecon demo
                        --out ${WORK_DIR}/demo --iters 2 --samples 2 --param steps=2 --threads 2
                RESULT_VARIABLE result OUTPUT_QUIET)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the installed diffrecon failed")
endif()

if(ITK_EXAMPLE_DIR)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${ITK_EXAMPLE_DIR} -B ${WORK_DIR}/itk-example -G Ninja
                          -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                  RESULT_VARIABLE result OUTPUT_QUIET)
  if(result)
    message(FATAL_ERROR "configuring examples/itk_pipeline against the installed DiffRecon failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/itk-example RESULT_VARIABLE result)
  if(result)
    message(FATAL_ERROR "building examples/itk_pipeline failed")
  endif()
  execute_process(COMMAND ${WORK_DIR}/prefix/bin/diffrecon ct project --phantom shepp-logan --geometry ${CT_GEOMETRY}
                          --out ${WORK_DIR}/run/sinogram.nii.gz RESULT_VARIABLE result OUTPUT_QUIET)
  if(result)
    message(FATAL_ERROR "the installed diffrecon could not make the example's sinogram")
  endif()
  string(TIMESTAMP started "%s")
  execute_process(COMMAND ${WORK_DIR}/itk-example/itk_pipeline ${WORK_DIR}/run/sinogram.nii.gz ${CT_GEOMETRY}
                          ${WORK_DIR}/run/fbp.nii.gz RESULT_VARIABLE result)
  string(TIMESTAMP finished "%s")
  if(NOT result EQUAL 0 OR NOT EXISTS ${WORK_DIR}/run/fbp.nii.gz)
    message(FATAL_ERROR "examples/itk_pipeline failed (exit status ${result})")
  endif()
  math(EXPR seconds "${finished} - ${started}")
  message(STATUS "examples/itk_pipeline reconstructed the sinogram in about ${seconds} s")
  # A bad input is an ITK exception with DiffRecon's message and exit status 1, nothing written.
  execute_process(COMMAND ${WORK_DIR}/itk-example/itk_pipeline ${WORK_DIR}/run/sinogram.nii.gz ${WORK_DIR}/run/none.json
                          ${WORK_DIR}/run/bad.nii.gz RESULT_VARIABLE result ERROR_VARIABLE message)
  if(NOT result EQUAL 1 OR EXISTS ${WORK_DIR}/run/bad.nii.gz OR NOT message MATCHES "none.json")
    message(FATAL_ERROR "examples/itk_pipeline with a missing geometry file: exit ${result}, message '${message}'")
  endif()
endif()
