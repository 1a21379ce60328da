# The suppression list, policy and JSON API end to end (issue 4).
bw_add_test(suppression_api_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/suppression_api_test.cc
  LIBS bw_app bw_testing_tls)

add_test(NAME suppress_cli_test
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/suppress_cli_test.sh $<TARGET_FILE:bouncewatch>)

# The suppression list's fast paths: in-memory index, token cache, streamed export, mail raw.
bw_add_test(suppression_fast_path_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/suppression_fast_path_test.cc
  LIBS bw_app bw_testing_tls)
