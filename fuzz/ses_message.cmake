# MapSesMessage on arbitrary bytes (the SNS Message string); seeds are the SES fixtures.
bw_fuzz_target(ses_message LIBS bw_ingest_ses)
if(NOT BW_LIBFUZZER)
  # replay_main.cc defines TESTs but no main(); until bw_fuzz_target links gtest_main itself.
  target_link_libraries(ses_message_fuzz_replay PRIVATE GTest::gtest_main)
endif()
