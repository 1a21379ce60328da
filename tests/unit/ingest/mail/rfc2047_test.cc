// SPDX-License-Identifier: Apache-2.0
// rfc2047.cc against GMime itself (loaded through gmime_api.h): the charset names, the UTF-8 check
// and the decoded header values must be GMime's wherever rfc2047.cc gives an answer, on generated
// values of the shapes bounce mails use and on broken ones; and parsing the corpus does not need
// GMime at all (what keeps it from being loaded at start-up).
#include "ingest/mail/rfc2047.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iconv.h>
#include <random>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "ingest/mail/gmime_api.h"
#include "ingest/mail/mail_files.h"
#include "ingest/mail/mail_parser.h"
#include "ingest/mail/mime_internal.h"
#include "testing/loaded_objects.h"
#include "testing/test_data.h"

namespace bw::mail::internal {
namespace {

std::string GMimeDecode(const std::string& text) {
  if (Status loaded = LoadGMime(); !loaded) {
    ADD_FAILURE() << loaded.error().message();
    return "";
  }
  char* d = g_mime_utils_header_decode_text(nullptr, text.c_str());
  std::string out = d != nullptr ? d : "";
  g_free(d);
  return out;
}

TEST(Rfc2047Test, CommonCharsetNamesAreGMimes) {
  ASSERT_TRUE(LoadGMime());
  const std::vector<std::string> names = {
      "us-ascii", "ascii", "utf-8", "utf8", "uft-8", "iso-8859-1", "iso-8859-2", "iso-8859-3",
      "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-9",
      "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "iso8859-1",
      "iso8859-15", "latin1", "windows-1250", "windows-1251", "windows-1252", "windows-1253",
      "windows-1254", "windows-1255", "windows-1256", "windows-1257", "windows-1258", "cp1252",
      "iso-2022-jp", "shift_jis", "shift-jis", "sjis", "euc-jp", "euc-kr", "ks_c_5601-1987",
      "gb2312", "gbk", "gb18030", "big5", "koi8-r", "koi8-u", "unicode-1-1-utf-7", "utf-7"};
  for (const std::string& lower : names) {
    std::string upper = lower;
    std::string mixed = lower;
    for (size_t i = 0; i < lower.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(lower[i])));
      mixed[i] = i % 2 == 0 ? upper[i] : lower[i];
    }
    for (const std::string& name : {lower, upper, mixed}) {
      const char* ours = CommonCharsetIconvName(name);
      ASSERT_NE(ours, nullptr) << name;
      EXPECT_STREQ(ours, g_mime_charset_iconv_name(name.c_str())) << name;
    }
  }
  EXPECT_EQ(CommonCharsetIconvName("x-unknown"), nullptr);
  EXPECT_EQ(CommonCharsetIconvName(""), nullptr);
}

TEST(Rfc2047Test, AsciiCheckedAsAByteLoopChecksIt) {
  // Every length up to 150 (the 64-byte blocks, the 8-byte words and the last bytes), with one
  // byte from each side of 0x80 at every position.
  for (size_t len = 0; len <= 150; ++len) {
    std::string s(len, 'a');
    EXPECT_TRUE(IsAscii(s)) << len;
    for (size_t at = 0; at < len; ++at) {
      for (const int b : {0x00, 0x01, 0x20, 0x7e, 0x7f, 0x80, 0x81, 0xc3, 0xfe, 0xff}) {
        s[at] = static_cast<char>(b);
        EXPECT_EQ(IsAscii(s), b < 0x80) << len << " " << at << " " << b;
      }
      s[at] = 'a';
    }
  }
}

TEST(Rfc2047Test, Utf8CheckIsGLibs) {
  ASSERT_TRUE(LoadGMime());
  std::mt19937 rng(2047);
  const unsigned char pool[] = {'a', 0, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed,
                                0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f, 0x90};
  int valid = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string s(rng() % 6, '\0');
    for (char& c : s) {
      c = static_cast<char>(pool[rng() % sizeof(pool)]);
    }
    bool glib = g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr) != 0;
    ASSERT_EQ(GlibValidUtf8(s), glib) << ::testing::PrintToString(s);
    valid += glib ? 1 : 0;
  }
  EXPECT_GT(valid, 1000);  // both answers were exercised
  // Long ASCII runs (checked a block at a time) with one odd byte or sequence at every offset.
  for (size_t len : {15u, 16u, 17u, 31u, 32u, 33u, 70u}) {
    for (size_t at = 0; at < len; ++at) {
      for (std::string_view odd :
           {std::string_view("\0", 1), std::string_view("\x80"), std::string_view("\xc3\xa9"),
            std::string_view("\xe3\x81"), std::string_view("\xf0\x9f\x98\x80"),
            std::string_view("\xed\xa0\x80"), std::string_view("~")}) {
        std::string s(len, 'x');
        s.replace(at, std::min(odd.size(), len - at), odd.substr(0, len - at));
        bool glib = g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr) != 0;
        ASSERT_EQ(GlibValidUtf8(s), glib) << len << " " << at << " " << ::testing::PrintToString(s);
      }
    }
  }
  for (std::string s : {"caf\xc3\xa9", "\xe3\x81\xab", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
                        "\xf4\x90\x80\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xef\xbf\xbe"}) {
    EXPECT_EQ(GlibValidUtf8(s), g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr) != 0)
        << ::testing::PrintToString(s);
  }
}

std::string Base64(const std::string& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], k[n & 63]};
  }
  if (bytes.size() - i == 1) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out += {k[n >> 18], k[(n >> 12) & 63], '=', '='};
  } else if (bytes.size() - i == 2) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {k[n >> 18], k[(n >> 12) & 63], k[(n >> 6) & 63], '='};
  }
  return out;
}

std::string QEncode(const std::string& bytes, bool lower_hex) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == ' ') {
      out += '_';
    } else if (c > 0x20 && c < 0x7f && c != '?' && c != '=' && c != '_') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), lower_hex ? "=%02x" : "=%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string FromUtf8(const std::string& utf8, const char* charset) {
  iconv_t cd = iconv_open(charset, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return utf8;
  }
  std::string out(utf8.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* dst = out.data();
  size_t out_left = out.size();
  iconv(cd, &in, &in_left, &dst, &out_left);
  iconv(cd, nullptr, nullptr, &dst, &out_left);
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

TEST(Rfc2047Test, DecodedValuesAreGMimesWheneverItAnswers) {
  std::mt19937 rng(6);
  const std::vector<std::string> texts = {
      "Delivery Status Notification (Failure)", "caf\xc3\xa9 cr\xc3\xa8me", "\xe9\x85\x8d\xe4\xbf\xa1",
      "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xe9\x85\x8d\xe9\x80\x81 \xe5\xa4\xb1\xe6\x95\x97",
      "Undeliverable: Re: \xc3\x84rger", "=?not?a?word?=", "a_b=c?d", "  spaced   out  ", "\x01\x7f",
      "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"};
  const std::vector<std::string> charsets = {"utf-8", "UTF-8", "us-ascii", "iso-8859-1",
                                             "ISO-8859-15", "iso-2022-jp", "windows-1252",
                                             "Shift_JIS", "euc-jp", "koi8-r", "x-unknown",
                                             "utf-8*en"};
  const std::vector<std::string> plain = {
      "Re:", "Fwd:", "[bounce]", "(comment)", "x=?", "a?=b", "=?", "?=", "-",
      "\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab", "caf\xc3\xa9", "caf\xe9", "\xff\xfe", "\x1b$B$K"};
  int answered = 0;
  int encoded_answered = 0;
  const int kValues = 20000;
  for (int n = 0; n < kValues; ++n) {
    std::string value;
    bool has_word = false;
    const int tokens = 1 + static_cast<int>(rng() % 4);
    for (int t = 0; t < tokens; ++t) {
      switch (rng() % 4) {
        case 0: value += " "; break;
        case 1: value += "\t"; break;
        case 2: value += "  "; break;
        default: break;  // adjacent tokens
      }
      if (rng() % 3 == 0) {
        value += plain[rng() % plain.size()];
        continue;
      }
      const std::string& cs = charsets[rng() % charsets.size()];
      std::string bytes = FromUtf8(texts[rng() % texts.size()], cs.substr(0, cs.find('*')).c_str());
      // One word, or the bytes split over several (maybe inside a character).
      const int parts = rng() % 3 == 0 ? 2 + static_cast<int>(rng() % 2) : 1;
      bool b = rng() % 2 == 0;
      const bool lower = rng() % 4 == 0;
      size_t at = 0;
      for (int p = 0; p < parts; ++p) {
        size_t len = p + 1 == parts ? bytes.size() - at : (bytes.size() - at) / 2;
        std::string piece = bytes.substr(at, len);
        at += len;
        if (p > 0 && rng() % 4 == 0) {
          b = !b;  // a run of both encodings
        }
        std::string text = b ? Base64(piece) : QEncode(piece, rng() % 2 == 0);
        if (b && rng() % 4 == 0) {
          while (!text.empty() && text.back() == '=') {
            text.pop_back();  // unpadded, as some MTAs write it
          }
        }
        if (rng() % 25 == 0 && !text.empty()) {
          text[rng() % text.size()] = "=?!_ "[rng() % 5];  // a broken word
        }
        const char* glue[] = {"", "", "", "", ".", ",", "x", ")", "(", "\"", ":"};
        if (p == 0) {
          value += glue[rng() % std::size(glue)];
        }
        value += "=?" + cs + "?" + (b ? (lower ? "b" : "B") : (lower ? "q" : "Q")) + "?" + text + "?=";
        if (p + 1 == parts) {
          value += glue[rng() % std::size(glue)];
        }
        if (p + 1 < parts && rng() % 2 == 0) {
          value += " ";
        }
        has_word = true;
      }
    }
    std::optional<std::string> ours = DecodeEncodedWords(value);
    if (!ours) {
      continue;
    }
    ++answered;
    encoded_answered += has_word ? 1 : 0;
    ASSERT_EQ(*ours, GMimeDecode(value)) << "value: " << ::testing::PrintToString(value);
  }
  // Most generated values are of the shapes it handles (or the test would prove nothing).
  EXPECT_GT(encoded_answered, kValues / 10) << answered;
}

TEST(Rfc2047Test, LeavesUnusualShapesToGMime) {
  for (const char* v : {"x=?utf-8?Q?a?=?", "=?utf-8*en?Q?a?=", "=?utf-8?Q?a?==?utf-8?Q?b?=",
                        "=?x-unknown?Q?a?=", "=?utf-8?B?w=?=", "=?utf-8?Q?a?= =?UTF-8?Q?b?=",
                        "=?utf-8?Q?=FF?=", "=?utf-8?B?AA==?=", "caf\xe9", "=?us-ascii?Q?=E9?="}) {
    EXPECT_EQ(DecodeEncodedWords(v), std::nullopt) << v;
  }
  // GMime's quirks, kept: a padded base64 word ends its run's base64, an incomplete group is
  // dropped, another charset's word still joins without the blank.
  EXPECT_EQ(DecodeEncodedWords("=?utf-8?B?YR==?= =?utf-8?B?Yg==?= z"), "a z");
  EXPECT_EQ(DecodeEncodedWords("=?utf-8?B?eHB0bw?= x"), "xpt x");
  EXPECT_EQ(DecodeEncodedWords("=?utf-8?B?YQ==?= =?utf-8?Q?b?= =?utf-8?B?Yw==?= tail"),
            "abc tail");
  EXPECT_EQ(DecodeEncodedWords("x =?utf-8?Q?a?= =?iso-8859-1?Q?b?= y"), "x ab y");
  EXPECT_EQ(DecodeEncodedWords("Re: =?utf-8?Q?caf=C3=A9?= =?utf-8?Q?_cr=C3=A8me?= ok"),
            "Re: caf\xc3\xa9 cr\xc3\xa8me ok");
  EXPECT_EQ(DecodeEncodedWords("x=?utf-8?Q?a?=y."), "xay.");
  EXPECT_EQ(DecodeEncodedWords("=?ISO-2022-JP?B?GyRCJEskWxsoQg==?=\tx"), "\xe3\x81\xab\xe3\x81\xbb\tx");
}

// glibc iconv's answer for `bytes` in `charset`: true with the UTF-8 text, false when iconv
// refuses them.
bool IconvTo(const char* charset, std::string_view bytes, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", charset);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    ADD_FAILURE() << "no " << charset << " in iconv";
    return false;
  }
  std::string buf(bytes.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* dst = buf.data();
  size_t out_left = buf.size();
  const bool ok = iconv(cd, &in, &in_left, &dst, &out_left) != static_cast<size_t>(-1) &&
                  in_left == 0 &&
                  iconv(cd, nullptr, nullptr, &dst, &out_left) != static_cast<size_t>(-1);
  iconv_close(cd);
  if (ok) {
    buf.resize(buf.size() - out_left);
    out = buf;
  }
  return ok;
}

// Whether a glibc gconv module (an iconv charset's shared object) is loaded in this process.
bool GconvModuleLoaded() { return testing::SharedObjectLoaded("/gconv/"); }

// Parses every corpus mail and fails at the first after which `loaded()` holds (what it loaded
// is called `what`). When it holds already (an earlier test of this process loaded it), the test
// `test_name` of Rfc2047Test runs alone in a fresh process instead.
void ExpectCorpusParsedWithout(bool (*loaded)(), const char* test_name, const char* what) {
  if (loaded()) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string filter = std::string("--gtest_filter=Rfc2047Test.") + test_name;
      execl("/proc/self/exe", "ingest_mail_test", filter.c_str(), nullptr);
      _exit(127);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "the check in a fresh process failed (see its output)";
    return;
  }
  std::vector<std::string> missing;
  const MailFileList files =
      ListMailFiles({bw::testing::DataPath("corpus/maildir").string()}, &missing);
  ASSERT_GT(files.size(), 400u);
  MailFileReader reader;
  ParseOptions options;
  for (size_t i = 0; i < files.size(); ++i) {
    std::string_view raw;
    ASSERT_TRUE(reader.ReadAt(files, i, files.size(), &raw)) << files[i];
    (void)ParseMail(raw, options);
    ASSERT_FALSE(loaded()) << "parsing " << files[i] << " loaded " << what;
  }
}

// Parses every corpus mail and checks that GMime was not loaded: what keeps `parse-mail` from
// paying for GMime at start-up.
TEST(Rfc2047Test, TheCorpusIsParsedWithoutLoadingGMime) {
  ExpectCorpusParsedWithout(GMimeLoaded, "TheCorpusIsParsedWithoutLoadingGMime", "GMime");
}

// The corpus's Japanese mails (ISO-2022-JP, Shift_JIS, 8-bit text labelled ISO-2022-JP) are
// converted without iconv: loading a gconv module costs a process 100-150 page faults (issue 6).
TEST(Rfc2047Test, TheCorpusIsParsedWithoutLoadingAGconvModule) {
  ExpectCorpusParsedWithout(GconvModuleLoaded, "TheCorpusIsParsedWithoutLoadingAGconvModule",
                            "a gconv module");
}

TEST(Rfc2047Test, ShiftJisAsIconvForEveryByteAndPair) {
  // Every byte alone and every pair, alone and between ASCII (with the two bytes JIS X 0201
  // Roman maps differently): the decoder answers exactly when iconv does, with the same text,
  // and leaves `out` as it was when it does not.
  size_t converted = 0;
  for (int a = 0; a < 0x100; ++a) {
    for (int b = -1; b < 0x100; ++b) {
      std::string unit(1, static_cast<char>(a));
      if (b >= 0) {
        unit += static_cast<char>(b);
      }
      for (const std::string& bytes : {unit, "a\\~" + unit + "z", unit + unit}) {
        std::string theirs;
        std::string ours = "kept";
        const bool iconv_ok = IconvTo("SJIS", bytes, theirs);
        const bool ok = ShiftJisToUtf8(bytes, ours);
        ASSERT_EQ(ok, iconv_ok) << a << " " << b;
        ASSERT_EQ(ours, ok ? "kept" + theirs : "kept") << a << " " << b;
        converted += ok ? 1 : 0;
      }
    }
  }
  EXPECT_GT(converted, 3u * 6879u);  // at least every JIS X 0208 cell in each of the 3 shapes
  std::string out;
  EXPECT_TRUE(ShiftJisToUtf8("", out));
  EXPECT_EQ(out, "");
  EXPECT_FALSE(ShiftJisToUtf8("ok \x82", out));  // a pair cut at the end
  EXPECT_EQ(out, "");
}

TEST(Rfc2047Test, Iso2022JpWithAnEightBitByteIsRefusedByIconv) {
  // What mail.cc and ToUtf8 rely on to skip iconv for 8-bit text labelled ISO-2022-JP: glibc
  // refuses it wherever the byte stands (ASCII, Roman or JIS X 0208 set, lead or trail position).
  for (int c = 0x80; c < 0x100; ++c) {
    const std::string byte(1, static_cast<char>(c));
    for (const std::string& bytes :
         {byte, "abc" + byte + "def", "\x1b(J" + byte, "\x1b$B" + byte + "\x21\x1b(B",
          "\x1b$B\x24" + byte + "\x1b(B", "\x1b$B\x24\x22\x1b(B" + byte, "\x1b(Ix" + byte}) {
      std::string theirs;
      EXPECT_FALSE(IconvTo("ISO-2022-JP", bytes, theirs)) << c;
      std::string ours;
      EXPECT_FALSE(Iso2022JpToUtf8(bytes, ours)) << c;
    }
  }
}


TEST(Rfc2047Test, Iso2022JpAsIconvForEveryCell) {
  // Every two-byte cell of JIS X 0208 under both escapes, and every byte after ESC ( J and in the
  // ASCII set: whenever the table-driven decoder answers, iconv gives the same text.
  size_t converted = 0;
  for (const char* esc : {"\x1b$B", "\x1b$@"}) {
    for (int a = 0x00; a < 0x100; ++a) {
      for (int b = 0x00; b < 0x100; b += (a >= 0x21 && a <= 0x7e) ? 1 : 37) {
        std::string bytes = std::string(esc) + static_cast<char>(a) + static_cast<char>(b) +
                            "\x1b(B.";
        std::string ours;
        std::string theirs;
        const bool iconv_ok = IconvTo("ISO-2022-JP", bytes, theirs);
        if (Iso2022JpToUtf8(bytes, ours)) {
          ASSERT_TRUE(iconv_ok) << a << " " << b;
          ASSERT_EQ(ours, theirs) << a << " " << b;
          ++converted;
        } else {
          EXPECT_TRUE(ours.empty());
        }
      }
    }
  }
  EXPECT_GT(converted, 2u * 6879u);  // every cell iconv knows, under both escapes
  for (int c = 0; c < 0x80; ++c) {
    for (const char* esc : {"\x1b(J", "\x1b(B", ""}) {
      std::string bytes = std::string(esc) + static_cast<char>(c) + "x";
      std::string ours;
      std::string theirs;
      const bool iconv_ok = IconvTo("ISO-2022-JP", bytes, theirs);
      if (Iso2022JpToUtf8(bytes, ours)) {
        ASSERT_TRUE(iconv_ok) << c;
        ASSERT_EQ(ours, theirs) << c;
      }
    }
  }
}

TEST(Rfc2047Test, Iso2022JpAsIconvOnGeneratedText) {
  // Escapes (known, unknown, cut), ASCII, controls and line breaks in the two-byte set, 8-bit
  // bytes, cut characters: the decoder answers only when iconv gives the same text.
  static constexpr std::string_view kPieces[] = {
      "\x1b$B", "\x1b$@", "\x1b(B", "\x1b(J", "\x1b(I", "\x1b$(D", "\x1b", "\x1b$", "$B", "F|",
      "K\\", "8l", "\x21\x21", "\x7e\x7e", "\x74\x27", "\x22\x2f", "\n", "\r\n", " ", "\t",
      "abc", "\\", "~", "\x7f", "\x80", "\xa4\xa2", "\x30"};
  size_t answered = 0;
  size_t refused = 0;
  std::mt19937 rng(2027);
  for (int round = 0; round < 30000; ++round) {
    std::string bytes;
    const int pieces = round % 16;
    for (int k = 0; k < pieces; ++k) {
      bytes += kPieces[rng() % std::size(kPieces)];
    }
    std::string ours = "keep:";
    std::string theirs;
    const bool iconv_ok = IconvTo("ISO-2022-JP", bytes, theirs);
    if (Iso2022JpToUtf8(bytes, ours)) {
      ++answered;
      ASSERT_TRUE(iconv_ok) << ::testing::PrintToString(bytes);
      ASSERT_EQ(ours, "keep:" + theirs) << ::testing::PrintToString(bytes);
    } else {
      ++refused;
      ASSERT_EQ(ours, "keep:");  // unchanged when it leaves the text to iconv
    }
  }
  EXPECT_GT(answered, 5000u);
  EXPECT_GT(refused, 5000u);
  // And through the part decoder: the text of an ISO-2022-JP part is iconv's.
  const std::string jp = "\x1b$B$3$s$K$A$O\x1b(B world\n";
  std::string want;
  ASSERT_TRUE(IconvTo("ISO-2022-JP", jp, want));
  EXPECT_EQ(ConvertToUtf8(jp, "iso-2022-jp"), want);
  EXPECT_EQ(ConvertToUtf8(jp, nullptr), want);  // undeclared, found by its escapes
}

}  // namespace
}  // namespace bw::mail::internal
