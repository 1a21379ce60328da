# Reputation rates, the reputation API, POST /v1/sends and GET /metrics end to end (issue 5).
bw_add_test(reputation_api_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reputation_api_test.cc
  LIBS bw_app bw_testing_tls)

add_test(NAME stats_cli_test
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/stats_cli_test.sh $<TARGET_FILE:bouncewatch>)
