# The suppression import parser (CSV in the SES layout, JSONL): ParseSuppressionImport on the
# whole text against the streamed ImportParser fed in pieces; the first byte picks the format,
# the second the piece size. Seeds: an SES CSV with BOM, CRLF, quotes and invalid lines, a JSONL
# file with notes and bad members, a file without a final line break.
bw_fuzz_target(suppression_import LIBS bw_store)
