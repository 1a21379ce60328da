# Alerts end to end (issue 5): the outbox, the worker, a real SMTP server (python3-aiosmtpd) and
# a real HTTPS webhook receiver.
bw_add_test(alerts_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/alerts_test.cc
  LIBS bw_app bw_testing_tls bw_testing_smtp)
