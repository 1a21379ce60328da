# MapSesMessage on arbitrary bytes (the SNS Message string); seeds are the SES fixtures.
bw_fuzz_target(ses_message LIBS bw_ingest_ses)
