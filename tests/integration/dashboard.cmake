# The dashboard (issue 7): its server side through a real App, then the whole page in a real
# browser (Playwright driving Debian's chromium; skipped only when chromium is missing).
bw_add_test(dashboard_api_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/dashboard_api_test.cc
  LIBS bw_app)

add_test(NAME dashboard_e2e
  COMMAND ${PROJECT_SOURCE_DIR}/tests/e2e/run.sh $<TARGET_FILE:bouncewatch>
          ${CMAKE_BINARY_DIR}/dashboard-screenshots)
set_tests_properties(dashboard_e2e PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
