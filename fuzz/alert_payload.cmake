# The alert outbox payload readers (digest, level change) on arbitrary bytes.
bw_fuzz_target(alert_payload LIBS bw_notify)
if(NOT BW_LIBFUZZER)
  target_link_libraries(alert_payload_fuzz_replay PRIVATE GTest::gtest_main)
endif()
