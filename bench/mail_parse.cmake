# Mail parser throughput over the corpus (issue 6); see also scripts/bench-parse-mail.
if(TARGET bw_ingest_mail)
  add_executable(mail_parse_bench mail_parse_bench.cc)
  target_link_libraries(mail_parse_bench PRIVATE bw_ingest_mail benchmark::benchmark)
  target_compile_definitions(mail_parse_bench PRIVATE
    BW_MAIL_CORPUS_DIR="${PROJECT_SOURCE_DIR}/tests/data/corpus/maildir")
endif()
