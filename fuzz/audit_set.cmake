# DecodeAuditSet (the addresses of an import's audit row, store/sqlite/audit_set.h) on arbitrary
# bytes; seeds: entries with and without address and note, truncated, empty key, over-long varint.
bw_fuzz_target(audit_set LIBS bw_store_sqlite)
