# UnpackSuppressionState / ReadSuppressionBrief (the SuppressionIndex's packed records) on
# arbitrary bytes; the seeds are packed states (import, soft bounce with history, complaint with
# an IDNA domain, manual, not suppressed) and malformed ones (bad reason, truncated, huge length,
# over-long varint).
bw_fuzz_target(suppression_record LIBS bw_store_sqlite)
