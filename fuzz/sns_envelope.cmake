# SNS envelope parsing and string-to-sign construction on arbitrary bytes.
if(BW_LIBFUZZER)
  bw_fuzz_target(sns_envelope LIBS bw_ingest_sns)
else()
  # replay_main.cc defines the test but no main(): take gtest's.
  bw_fuzz_target(sns_envelope LIBS bw_ingest_sns GTest::gtest_main)
endif()
