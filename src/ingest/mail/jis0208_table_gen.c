// SPDX-License-Identifier: Apache-2.0
// Generates jis0208_table.inc: glibc iconv's ISO-2022-JP decoding of every JIS X 0208 cell (rows
// and columns 0x21..0x7e, row-major), one code point per cell, 0 where iconv refuses the cell.
// Not part of the build; run by hand when glibc's tables change:
//   cc -O2 src/ingest/mail/jis0208_table_gen.c -o /tmp/jisgen && /tmp/jisgen > /tmp/cells.txt
// then format /tmp/cells.txt as jis0208_table.inc (12 numbers per line after its comment).
// Rfc2047Test.Iso2022JpAsIconvForEveryCell checks the table against the running glibc.
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t Cell(const char* esc, int a, int b) {
  iconv_t cd = iconv_open("UTF-32LE", "ISO-2022-JP");
  char in[8];
  memcpy(in, esc, 3);
  in[3] = (char)a;
  in[4] = (char)b;
  uint32_t out[4] = {0};
  char* ip = in;
  char* op = (char*)out;
  size_t il = 5;
  size_t ol = sizeof out;
  size_t rc = iconv(cd, &ip, &il, &op, &ol);
  iconv_close(cd);
  if (rc == (size_t)-1 || il != 0 || sizeof out - ol != 4) {
    return 0;
  }
  return out[0];
}

int main(void) {
  int differ = 0;
  for (int a = 0x21; a <= 0x7e; ++a) {
    for (int b = 0x21; b <= 0x7e; ++b) {
      uint32_t x = Cell("\x1b$B", a, b);
      differ += x != Cell("\x1b$@", a, b);  // ESC $ @ (JIS C 6226-1978) decodes the same cells
      printf("%u\n", x);
    }
  }
  fprintf(stderr, "ESC $ B and ESC $ @ differ in %d cells\n", differ);
  return differ != 0;
}
