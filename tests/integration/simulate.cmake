# `bouncewatch simulate` (issue 3): included by CMakeLists.txt in this folder.
bw_add_test(simulate_e2e_test
  SOURCES simulate_e2e_test.cc
  LIBS bw_app bw_sim)

# The script tests drive the bouncewatch binary, so they exist once main.cc registers the
# command (re-checked whenever main.cc changes).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/src/cli/main.cc)
file(READ ${PROJECT_SOURCE_DIR}/src/cli/main.cc _bw_cli_main)
if(_bw_cli_main MATCHES "AddSimulateCommand")
  add_test(NAME simulate_cli
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/simulate_cli_test.sh $<TARGET_FILE_DIR:bouncewatch>)
  set_tests_properties(simulate_cli PROPERTIES TIMEOUT 120)
  # Issue 2: kill -9 under load loses nothing that was acknowledged.
  add_test(NAME crash_test
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/crash_test.sh $<TARGET_FILE_DIR:bouncewatch>)
  set_tests_properties(crash_test PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
  # The simulator's signatures checked by AWS's own Node.js validator and by openssl.
  add_test(NAME simulate_sns_validator
    COMMAND ${PROJECT_SOURCE_DIR}/tests/node/run.sh $<TARGET_FILE_DIR:bouncewatch>)
  set_tests_properties(simulate_sns_validator PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
