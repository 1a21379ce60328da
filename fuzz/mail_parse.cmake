if(TARGET bw_ingest_mail)
  bw_fuzz_target(mail_parse LIBS bw_ingest_mail)
endif()
