// SPDX-License-Identifier: Apache-2.0
// The lightweight MIME reader (mime_fast.cc) against GMime: the same results on every corpus mail
// the fast path accepts, the same Mail for the shapes it handles, declines for the shapes it
// leaves to GMime, and the limits on both.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>

#include <iconv.h>

#include <gtest/gtest.h>

#include "ingest/mail/huge_page_block.h"
#include "ingest/mail/mail.h"
#include "ingest/mail/mail_parser.h"
#include "ingest/mail/mime_internal.h"
#include "ingest/mail/text_util.h"
#include "testing/piece_text.h"
#include "testing/test_data.h"

namespace bw::mail {
namespace {

Result<Mail> Load(std::string_view raw, MimeEngine engine) {
  MimeLimits limits;
  limits.engine = engine;
  return LoadMail(raw, limits);
}

// The fields detectors read, compared between the two readers.
void ExpectSameMail(std::string_view raw) {
  auto fast = Load(raw, MimeEngine::kFast);
  auto slow = Load(raw, MimeEngine::kGMime);
  ASSERT_TRUE(fast.has_value()) << fast.error().message();
  ASSERT_TRUE(slow.has_value()) << slow.error().message();
  EXPECT_TRUE(fast->fast_path);
  EXPECT_FALSE(slow->fast_path);
  EXPECT_EQ(fast->mime_type, slow->mime_type);
  EXPECT_EQ(fast->report_type, slow->report_type);
  ASSERT_EQ(fast->headers.size(), slow->headers.size());
  for (size_t i = 0; i < fast->headers.size(); ++i) {
    EXPECT_EQ(fast->headers[i].name, slow->headers[i].name);
    EXPECT_EQ(fast->headers[i].Value(), slow->headers[i].Value());
  }
  EXPECT_EQ(fast->text, slow->text);
  EXPECT_EQ(fast->delivery_status.size(), slow->delivery_status.size());
  EXPECT_EQ(fast->feedback_report, slow->feedback_report);
  EXPECT_EQ(fast->has_original, slow->has_original);
  EXPECT_EQ(fast->original_headers.size(), slow->original_headers.size());
  EXPECT_EQ(fast->truncated, slow->truncated);
}

// The byte loop DecodeQuotedPrintable was written as: the reference of its block copies.
std::string QuotedPrintableByteLoop(std::string_view in) {
  const auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
  };
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    if (in[i] != '=') {
      out.push_back(in[i++]);
      continue;
    }
    size_t j = i + 1;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) {
      ++j;
    }
    if (j == in.size() || in[j] == '\n') {
      i = j + 1;
      continue;
    }
    if (i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2])));
      i += 3;
      continue;
    }
    out.push_back('=');
    i += 1;
  }
  return out;
}

// CRLF and lone CR turned into LF a byte at a time: the reference of NormalizeLineEndings.
std::string LineEndingsByteLoop(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < s.size() && s[i + 1] == '\n') {
        ++i;
      }
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The byte-at-a-time loop StripHtml was written as: its reference.
std::string StripHtmlByteLoop(std::string_view html) {
  std::string out;
  bool in_tag = false;
  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {  // a tag starts (or restarts inside one); block tags give a line break
      in_tag = true;
      for (std::string_view t : {"<br", "<p", "<div", "<tr", "</p", "</div"}) {
        if (IStartsWith(html.substr(i), t)) {
          out.push_back('\n');
          break;
        }
      }
      ++i;
      continue;
    }
    if (in_tag) {  // dropped up to the '>'
      in_tag = c != '>';
      ++i;
      continue;
    }
    if (c == '&') {
      bool done = false;
      for (auto [name, ch] : {std::pair<std::string_view, char>{"&lt;", '<'},
                              {"&gt;", '>'},
                              {"&amp;", '&'},
                              {"&quot;", '"'},
                              {"&nbsp;", ' '},
                              {"&#39;", '\''}}) {
        if (IStartsWith(html.substr(i), name)) {
          out.push_back(ch);
          i += name.size();
          done = true;
          break;
        }
      }
      if (done) {
        continue;
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

// `piece` written over `filler` repeated to `len` bytes, from `pos` on (cut at `len`): a special
// byte or sequence at every position of the block loops, next to every block edge.
std::string PieceAt(std::string_view filler, size_t len, size_t pos, std::string_view piece) {
  std::string s;
  while (s.size() < len) {
    s += filler;
  }
  s.resize(len);
  for (size_t k = 0; k < piece.size() && pos + k < len; ++k) {
    s[pos + k] = piece[k];
  }
  return s;
}

// The texts of 0-70 bytes made of `filler` with `piece` at every position, alone or twice (the
// second one from every later position, in steps of 3): where the block loops (16 or 32 bytes a
// step) meet a special byte or sequence at each offset of a block.
std::vector<std::string> PiecePlacements(std::string_view filler, std::string_view piece) {
  std::vector<std::string> texts;
  for (size_t len = 0; len <= 70; ++len) {
    for (size_t pos = 0; pos <= len; ++pos) {
      texts.push_back(PieceAt(filler, len, pos, piece));
      const std::string s = texts.back();
      for (size_t second = pos + 1; second < len; second += 3) {
        texts.push_back(PieceAt(s, len, second, piece));
      }
    }
  }
  return texts;
}

bool Declined(std::string_view raw) {
  auto fast = Load(raw, MimeEngine::kFast);
  return !fast.has_value() && fast.error().code() == Code::kNotFound;
}

// For the generated-mail tests: ExpectSameMail(raw) unless the fast path declines it (counted
// in `compared` when compared); false once the test has a failure.
bool CompareUnlessDeclined(std::string_view raw, size_t& compared) {
  if (Declined(raw)) {
    return true;
  }
  ++compared;
  ExpectSameMail(raw);
  return !::testing::Test::HasFailure();
}

std::vector<std::filesystem::path> CorpusFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(testing::DataPath("corpus/maildir"))) {
    if (e.is_regular_file()) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void ExpectSameResults(const std::vector<MailResult>& a, const std::vector<MailResult>& b,
                       const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].recipient, b[i].recipient) << where;
    EXPECT_EQ(a[i].status, b[i].status) << where;
    EXPECT_EQ(a[i].reply_code, b[i].reply_code) << where;
    EXPECT_EQ(a[i].reason, b[i].reason) << where;
    EXPECT_EQ(a[i].hard_bounce, b[i].hard_bounce) << where;
    EXPECT_EQ(a[i].feedback_type, b[i].feedback_type) << where;
    EXPECT_EQ(a[i].action, b[i].action) << where;
    EXPECT_EQ(a[i].diagnostic_code, b[i].diagnostic_code) << where;
    EXPECT_EQ(a[i].smtp_command, b[i].smtp_command) << where;
    EXPECT_EQ(a[i].detector, b[i].detector) << where;
    EXPECT_EQ(a[i].timestamp_ms, b[i].timestamp_ms) << where;
    EXPECT_EQ(a[i].original_message_id, b[i].original_message_id) << where;
    EXPECT_EQ(a[i].provider_message_id, b[i].provider_message_id) << where;
    EXPECT_EQ(a[i].original_from, b[i].original_from) << where;
    EXPECT_EQ(a[i].original_subject, b[i].original_subject) << where;
    EXPECT_EQ(a[i].verp_recipient, b[i].verp_recipient) << where;
  }
}

TEST(MimeFastCorpusTest, FastPathAndGMimeAgreeOnEveryCorpusMail) {
  ParseOptions fast;
  fast.engine = MimeEngine::kFast;
  ParseOptions gmime;
  gmime.engine = MimeEngine::kGMime;
  size_t total = 0;
  size_t handled = 0;
  for (const auto& f : CorpusFiles()) {
    std::string raw = ReadFile(f);
    ++total;
    auto a = ParseMail(raw, fast);
    auto b = ParseMail(raw, gmime);
    if (!a && a.error().code() == Code::kNotFound) {
      continue;  // left to GMime
    }
    ++handled;
    ASSERT_EQ(a.has_value(), b.has_value()) << f;
    if (a) {
      ExpectSameResults(*a, *b, f.string());
    }
  }
  ASSERT_GT(total, 400u);
  // The fast path is only worth having if it takes nearly every mail.
  EXPECT_GE(handled * 100, total * 95) << handled << " of " << total;
}

// Every member of two Mails (header fields by name and value).
void ExpectEqualMails(const Mail& a, const Mail& b, const std::string& where) {
  const auto same_headers = [&](const Headers& x, const Headers& y) {
    ASSERT_EQ(x.size(), y.size()) << where;
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].name, y[i].name) << where;
      EXPECT_EQ(x[i].Value(), y[i].Value()) << where;
    }
  };
  same_headers(a.headers, b.headers);
  EXPECT_EQ(a.mime_type, b.mime_type) << where;
  EXPECT_EQ(a.report_type, b.report_type) << where;
  EXPECT_EQ(a.text, b.text) << where;
  EXPECT_EQ(a.delivery_status, b.delivery_status) << where;
  EXPECT_EQ(a.feedback_report, b.feedback_report) << where;
  same_headers(a.original_headers, b.original_headers);
  EXPECT_EQ(a.original_body, b.original_body) << where;
  EXPECT_EQ(a.has_original, b.has_original) << where;
  EXPECT_EQ(a.original_raw, b.original_raw) << where;
  EXPECT_EQ(a.truncated, b.truncated) << where;
  EXPECT_EQ(a.fast_path, b.fast_path) << where;
  EXPECT_EQ(a.readable_size, b.readable_size) << where;
  EXPECT_EQ(a.text_lower, b.text_lower) << where;
}

TEST(MimeFastCorpusTest, AMailFilledAgainLoadsAsAFreshOne) {
  // One Mail filled with every corpus mail in turn (both readers, and errors in between) holds
  // what LoadMail gives for each: nothing of the mail before survives Clear.
  Mail reused;
  size_t compared = 0;
  for (const MimeEngine engine : {MimeEngine::kAuto, MimeEngine::kGMime}) {
    MimeLimits limits;
    limits.engine = engine;
    MimeLimits tiny = limits;
    tiny.max_bytes = 16;
    for (const auto& f : CorpusFiles()) {
      const std::string raw = ReadFile(f);
      const auto fresh = LoadMail(raw, limits);
      const Status loaded = LoadMailInto(raw, limits, reused);
      ASSERT_EQ(fresh.has_value(), loaded.has_value()) << f;
      if (fresh) {
        ExpectEqualMails(reused, *fresh, f.string());
        ++compared;
      }
      if (::testing::Test::HasFailure()) {
        return;
      }
      if (compared % 7 == 0) {  // an error now and then: the next mail still loads
        EXPECT_FALSE(LoadMailInto(raw, tiny, reused));
      }
    }
  }
  EXPECT_GT(compared, 800u);
}

TEST(MimeFastTest, AClearedMailIsADefaultOne) {
  Mail mail;
  ASSERT_TRUE(LoadMailInto(
      "From: a@example.org\nContent-Type: multipart/report; report-type=delivery-status;"
      " boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nhello\n--b\n"
      "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; x@example.org\n--b\n"
      "Content-Type: message/rfc822\n\nFrom: MAILER-DAEMON@example.org\nSubject: "
      "s\n\nbody\n--b--\n",
      MimeLimits{}, mail));
  mail.feedback_report = "feedback";
  mail.truncated = true;
  ASSERT_FALSE(mail.headers.empty());
  ASSERT_FALSE(mail.delivery_status.empty());
  ASSERT_TRUE(mail.has_original);
  ASSERT_FALSE(mail.original_raw.empty());
  ASSERT_FALSE(mail.original_body.empty());
  mail.Clear();
  EXPECT_FALSE(mail.headers.MayHave("From"));
  ExpectEqualMails(mail, Mail{}, "cleared");
}

TEST(MimeFastTest, HeadersFilledAgainLeaveTheirCopiesAlone) {
  Headers hs;
  ParseFieldBlockInto("Subject: first subject\nTo: a@example.org\n", hs);
  const Headers copy = hs;
  const char* const kept = hs[0].name.data();
  ParseFieldBlockInto("From: b@example.org\n", hs);
  // The copy shares the kept bytes: they are not written over.
  ASSERT_EQ(copy.size(), 2u);
  EXPECT_EQ(copy[0].name, "Subject");
  EXPECT_EQ(copy[0].Value(), "first subject");
  EXPECT_EQ(copy[1].Value(), "a@example.org");
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].name, "From");
  EXPECT_EQ(hs[0].Value(), "b@example.org");
  EXPECT_FALSE(hs.MayHave("Subject"));
  EXPECT_NE(hs[0].name.data(), kept);
  // Unshared, large enough bytes are written over: headers filled again allocate once.
  const char* const now = hs[0].name.data();
  ParseFieldBlockInto("To: c@example.org\n", hs);
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].name.data(), now);
  EXPECT_EQ(hs[0].Value(), "c@example.org");
  // KeepCopy (the fast path's) reuses them too.
  hs.clear();
  const std::string block = "Date: today";
  const char* base = hs.KeepCopy(block.data(), block.data() + block.size());
  EXPECT_EQ(base, now);
  EXPECT_EQ(std::string_view(base, block.size()), block);
}

// ParseFieldBlock as it was written before it built folded values at once: line by line, each
// continuation line appended to the last field (AppendToLastValue).
Headers FieldBlockLineByLine(std::string_view text, size_t max_fields) {
  Headers out;
  for (std::string_view line : SplitLines(text)) {  // without their LF and a CR before it
    if (Trim(line).empty()) {
      if (!out.empty()) {
        break;
      }
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (!out.empty()) {
        out.AppendToLastValue(Trim(line));
      }
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        line.substr(0, colon).find(' ') != std::string_view::npos) {
      continue;
    }
    if (out.size() >= max_fields) {
      break;
    }
    out.push_back(Header(line.substr(0, colon), std::string(Trim(line.substr(colon + 1)))));
  }
  return out;
}

TEST(MimeFastTest, FieldBlocksReadAsLineByLineFolding) {
  // Generated blocks of fields, continuation lines (one to a dozen, blank-only ones among them),
  // lines that are no field, CRLF and CR, reused Headers: the same names and values as folding
  // each line into the last field.
  const std::vector<std::string> lines = {"Subject: hello",
                                          "X-Long-Name: value  ",
                                          " folded",
                                          "\tfolded with tab",
                                          "  ",
                                          "\t",
                                          "no colon here",
                                          "Bad Name: x",
                                          ": empty name",
                                          " \tdeep  fold ",
                                          "To: a@b",
                                          "A:",
                                          "Received: from x",
                                          "\r",
                                          "B: two\r",
                                          " cont\r",
                                          "C:  spaced  value "};
  Headers reused;
  uint32_t seed = 12345;
  const auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t n = next() % 24;
    for (size_t i = 0; i < n; ++i) {
      text += lines[next() % lines.size()];
      if (next() % 5 == 0) {  // runs of continuation lines
        for (size_t k = next() % 12; k > 0; --k) {
          text += "\n  piece" + std::to_string(k);
        }
      }
      text += '\n';
    }
    if (next() % 3 == 0 && !text.empty()) {
      text.pop_back();  // no final line break
    }
    const size_t max_fields = next() % 4 == 0 ? next() % 4 : 1000;
    const Headers want = FieldBlockLineByLine(text, max_fields);
    ParseFieldBlockInto(text, reused, max_fields);
    const Headers fresh = ParseFieldBlock(text, max_fields);
    for (const Headers* got : {static_cast<const Headers*>(&reused), &fresh}) {
      ASSERT_EQ(got->size(), want.size()) << text;
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ((*got)[i].name, want[i].name) << text;
        EXPECT_EQ((*got)[i].Value(), want[i].Value()) << text;
      }
    }
    if (::testing::Test::HasFailure()) {
      return;
    }
  }
}

TEST(MimeFastCorpusTest, ValueMentionsAgreesWithSearchingTheDecodedValue) {
  // ValueMentions answers from the raw value when it can; on every corpus header it must give
  // what a search of the decoded value gives (each Mail is loaded twice: reading Value() decodes).
  const std::string_view needles[] = {"(Exim ",  "(SMTPD32",       "invoked for bounce",
                                      "Microsoft SMTP Server", "Internet Mail Service",
                                      "Microsoft Exchange",    "by ",  "ESMTP id", "=?", "  "};
  size_t checked = 0;
  for (const auto& f : CorpusFiles()) {
    std::string raw = ReadFile(f);
    auto undecoded = Load(raw, MimeEngine::kAuto);
    if (!undecoded) {
      continue;
    }
    for (const Headers* hs : {&undecoded->headers, &undecoded->original_headers}) {
      for (std::string_view needle : needles) {
        auto fresh = Load(raw, MimeEngine::kAuto);
        ASSERT_TRUE(fresh.has_value());
        const Headers& decoded = hs == &undecoded->headers ? fresh->headers
                                                           : fresh->original_headers;
        ASSERT_EQ(hs->size(), decoded.size());
        for (size_t i = 0; i < hs->size(); ++i) {
          EXPECT_EQ((*hs)[i].ValueMentions(needle), IContains(decoded[i].Value(), needle))
              << f << " " << (*hs)[i].name << " " << needle;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 10000u);
}

// The words of `s` (the runs Squeeze keeps), in order.
std::vector<std::string_view> WordsOf(std::string_view s) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < s.size();) {
    const auto blank = [&](size_t k) {
      return s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r';
    };
    while (i < s.size() && blank(i)) {
      ++i;
    }
    const size_t start = i;
    while (i < s.size() && !blank(i)) {
      ++i;
    }
    if (i > start) {
      words.push_back(s.substr(start, i - start));
    }
  }
  return words;
}

TEST(MimeFastCorpusTest, PlainRawValuesHoldTheWordsOfTheDecodedValue) {
  // Header::PlainRawValue's contract on every corpus header: when there is a raw value, its words
  // are those of the decoded value, in order (so a text without white space is in one exactly
  // when it is in the other). Each Mail is loaded twice: reading Value() decodes.
  size_t plain = 0;
  size_t other = 0;
  for (const auto& f : CorpusFiles()) {
    std::string raw = ReadFile(f);
    auto undecoded = Load(raw, MimeEngine::kAuto);
    auto decoded = Load(raw, MimeEngine::kAuto);
    if (!undecoded) {
      continue;
    }
    ASSERT_TRUE(decoded.has_value());
    for (auto block : {&Mail::headers, &Mail::original_headers}) {
      const Headers& hs = (*undecoded).*block;
      const Headers& ds = (*decoded).*block;
      ASSERT_EQ(hs.size(), ds.size());
      for (size_t i = 0; i < hs.size(); ++i) {
        const std::optional<std::string_view> raw_value = hs[i].PlainRawValue();
        if (!raw_value) {
          ++other;
          continue;
        }
        ++plain;
        EXPECT_EQ(WordsOf(*raw_value), WordsOf(ds[i].Value())) << f << " " << hs[i].name;
        EXPECT_EQ(hs[i].PlainRawValue(), raw_value) << "the same on a second ask";
      }
    }
  }
  EXPECT_GT(plain, 5000u);
  EXPECT_GT(other, 10u);  // encoded words and 8-bit values have none
}

TEST(MimeFastTest, PlainRawValueOnlyWhereDecodingKeepsTheWords) {
  const Header plain = Header::Undecoded("Received", "from mx\n\t(Exim  4.92)");
  EXPECT_EQ(plain.PlainRawValue(), "from mx\n\t(Exim  4.92)");
  EXPECT_EQ(plain.Value(), "from mx (Exim 4.92)");
  const Header trimmed = Header::Undecoded("Subject", " hello ");
  EXPECT_EQ(trimmed.PlainRawValue(), " hello ");
  EXPECT_EQ(trimmed.Value(), "hello");
  EXPECT_EQ(trimmed.PlainRawValue(), "hello") << "after Value(): the value itself";
  EXPECT_EQ(Header::Undecoded("Subject", "=?UTF-8?Q?J=C3=B6rg?=").PlainRawValue(), std::nullopt);
  EXPECT_EQ(Header::Undecoded("Subject", "a =?x b").PlainRawValue(), std::nullopt);
  EXPECT_EQ(Header::Undecoded("Subject", "J\xC3\xB6rg").PlainRawValue(), std::nullopt);
  EXPECT_EQ(Header(Header::VerbatimTag{}, "X-Note", "as  =?is").PlainRawValue(), "as  =?is");
  EXPECT_EQ(Header("Subject", "decoded").PlainRawValue(), std::nullopt);
  const Header encoded = Header::Undecoded("Subject", "=?UTF-8?Q?J=C3=B6rg?=");
  EXPECT_EQ(encoded.Value(), "J\xC3\xB6rg");
  EXPECT_EQ(encoded.PlainRawValue(), std::nullopt) << "decoded into its own string";
}

TEST(MimeFastTest, HeaderValuesDecodeWhenReadAndOutliveTheirMail) {
  const std::string raw =
      "From: =?UTF-8?Q?J=C3=B6rg?= <j@example.org>\n"
      "Subject: folded\n   value\there\n"
      "Received: from mx (Exim\n 4.92) by host\n"
      "Content-Type: text/plain\n"
      "\n"
      "body\n";
  Headers copy;
  {
    auto mail = Load(raw, MimeEngine::kFast);
    ASSERT_TRUE(mail.has_value());
    // Content-* fields belong to the MIME part, not to the message.
    ASSERT_EQ(mail->headers.size(), 3u);
    EXPECT_TRUE(mail->headers[2].ValueMentions("(exim 4.92)"));  // across the fold
    EXPECT_TRUE(mail->headers[2].ValueMentions("(EXIM"));
    EXPECT_FALSE(mail->headers[2].ValueMentions("(Exim 5"));
    EXPECT_FALSE(mail->headers[2].ValueMentions("postfix"));
    copy = mail->headers;
  }  // the Mail (and the buffer it was read from) is gone; the copy keeps the raw bytes
  EXPECT_EQ(FindHeader(copy, "from"), "J\xC3\xB6rg <j@example.org>");
  EXPECT_EQ(FindHeader(copy, "SUBJECT"), "folded value here");
  EXPECT_EQ(FindHeader(copy, "Received"), "from mx (Exim 4.92) by host");
  EXPECT_EQ(FindHeader(copy, "Content-Type"), "");
  EXPECT_TRUE(copy[0].ValueMentions("jörg"));  // decoded: not in the raw value
}

TEST(MimeFastTest, HeaderNamesDoNotPointIntoTheInput) {
  // The fast path keeps names as views into the header copy its Headers own: overwriting the
  // input afterwards must not change them (short names and names past the small-string size).
  std::string raw =
      "X-Very-Long-Header-Name-Here: one\n"
      "To: a@example.org\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n"
      "\n"
      "--b\n"
      "Content-Type: text/plain\n"
      "\n"
      "text\n"
      "--b\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "Another-Rather-Long-Field-Name: two\n"
      "Message-ID: <m@example.org>\n"
      "\n"
      "body\n"
      "--b--\n";
  auto mail = Load(raw, MimeEngine::kFast);
  ASSERT_TRUE(mail.has_value());
  Headers top = mail->headers;
  Headers original = mail->original_headers;
  std::fill(raw.begin(), raw.end(), 'X');

  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].name, "X-Very-Long-Header-Name-Here");
  EXPECT_EQ(top[1].name, "To");
  EXPECT_EQ(FindHeader(top, "x-very-long-header-name-here"), "one");
  ASSERT_EQ(original.size(), 2u);
  EXPECT_EQ(original[0].name, "Another-Rather-Long-Field-Name");
  EXPECT_EQ(FindHeader(original, "Message-ID"), "<m@example.org>");
}

TEST(MimeFastTest, OwnedHeaderNamesSurviveCopiesMovesAndReassignment) {
  const std::vector<std::string> names = {"To", "Subject", "X-A-Name-Longer-Than-Sixteen",
                                          "", "Another-Long-Header-Field-Name"};
  std::vector<Header> v;
  for (const auto& n : names) {
    v.emplace_back(n, "value of " + n);  // grows: every Header is moved a few times
  }
  std::vector<Header> copy = v;
  Headers hs;
  for (const auto& h : v) {
    hs.push_back(h);
  }
  for (auto& h : v) {
    h = Header("Overwritten-With-Some-Other-Long-Name", "x");
  }
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(copy[i].name, names[i]);
    EXPECT_EQ(copy[i].Value(), "value of " + names[i]);
    EXPECT_EQ(hs[i].name, names[i]);
    Header moved(std::move(copy[i]));
    EXPECT_EQ(moved.name, names[i]);
    Header assigned;
    assigned = moved;
    moved = Header("Z", "z");
    EXPECT_EQ(assigned.name, names[i]);
    EXPECT_EQ(moved.name, "Z");
  }
  Headers folded;
  folded.push_back(Header("X-Some-Long-Folded-Header-Name", "first"));
  folded.SetLastValue("first second");
  EXPECT_EQ(folded[0].name, "X-Some-Long-Folded-Header-Name");
  EXPECT_EQ(folded[0].Value(), "first second");
  // Folded lines append to an owned value in place, and the name stays the field's.
  folded.AppendToLastValue("third");
  folded.AppendToLastValue("fourth");
  EXPECT_EQ(folded[0].name, "X-Some-Long-Folded-Header-Name");
  EXPECT_EQ(folded[0].Value(), "first second third fourth");
}

TEST(MimeFastTest, OwnedHeaderNamesOutliveTheHeaderTheyWereCopiedFrom) {
  // The Header copies the name it is given; a copy shares those bytes: they must stay readable
  // once the original is gone, and a moved-from original must not take them with it.
  for (const std::string n : {"", "A", "X-A-Name-Longer-Than-Sixteen-Bytes"}) {
    std::string source = n + std::string(40, '.');
    auto original = std::make_unique<Header>(std::string_view(source).substr(0, n.size()), "v");
    source.assign(source.size(), '#');  // the name given is overwritten
    Header copy = *original;
    Header moved_to(std::move(*original));
    original.reset();
    EXPECT_EQ(copy.name, n);
    EXPECT_EQ(moved_to.name, n);
    EXPECT_EQ(copy.Value(), "v");
    EXPECT_EQ(moved_to.Value(), "v");
    {
      Headers hs;
      hs.push_back(copy);
      copy = Header("Other", "w");
      EXPECT_EQ(hs[0].name, n);
      EXPECT_EQ(hs[0].Value(), "v");
      EXPECT_TRUE(hs.MayHave(n));
      EXPECT_EQ(FindHeader(hs, n), "v");
    }
    EXPECT_EQ(copy.name, "Other");
  }
}

TEST(MimeFastTest, FoldedFieldBlockNamesOutliveTheText) {
  // ParseFieldBlock's folded fields keep their names as views, which it re-points into
  // the copy the Headers keep: names and values must survive the text they were read from.
  auto text = std::make_unique<std::string>(
      "Received: from a.example.org\r\n"
      "\tby b.example.org;\r\n"
      "  Mon, 1 Jan 2024 00:00:00 +0000\r\n"
      "X-A-Rather-Long-Folded-Field-Name: one\n"
      "\ttwo\n"
      "Subject: plain\n"
      "To: x@example.org\n"
      " , y@example.org\n"
      "\n"
      "body\n");
  const Headers hs = ParseFieldBlock(*text);
  const Headers copy = hs;
  text->assign(text->size(), '#');  // the bytes read are overwritten, then freed
  text.reset();
  for (const Headers* h : {&hs, &copy}) {
    ASSERT_EQ(h->size(), 4u);
    EXPECT_EQ((*h)[0].name, "Received");
    EXPECT_EQ((*h)[0].Value(),
              "from a.example.org by b.example.org; Mon, 1 Jan 2024 00:00:00 +0000");
    EXPECT_EQ((*h)[1].name, "X-A-Rather-Long-Folded-Field-Name");
    EXPECT_EQ((*h)[1].Value(), "one two");
    EXPECT_EQ((*h)[2].name, "Subject");
    EXPECT_EQ((*h)[2].Value(), "plain");
    EXPECT_EQ((*h)[3].name, "To");
    EXPECT_EQ((*h)[3].Value(), "x@example.org , y@example.org");
    EXPECT_EQ(FindHeader(*h, "x-a-rather-long-folded-field-name"), "one two");
  }
}

TEST(MimeFastTest, StripHtmlKeepsTextOutsideTags) {
  EXPECT_EQ(internal::StripHtml("<p>Hello &amp; <b>bye</b></p>"), "\nHello & bye\n");
  EXPECT_EQ(internal::StripHtml("a<br>b<DIV class=x>c</div>&lt;d&gt;&nbsp;&#39;&quot;&x;"),
            "a\nb\nc\n<d> '\"&x;");
  // Runs longer than the 16-byte blocks, tags and entities at every offset.
  const std::string run(40, 'r');
  for (size_t off = 0; off < 34; ++off) {
    const std::string pad = run.substr(0, off);
    EXPECT_EQ(internal::StripHtml(pad + "<span title='" + run + "'>" + run + "</span>&amp;" + pad),
              pad + run + "&" + pad)
        << off;
    EXPECT_EQ(internal::StripHtml(pad + "<unclosed " + run), pad) << off;
  }
}

TEST(MimeFastTest, LineEndingsNormalisedAsAByteLoopDoes) {
  const auto reference = LineEndingsByteLoop;
  internal::ScratchBuffer buffer;  // reused: longer inputs first, so it holds stale bytes
  bw::testing::PieceText gen(12345);
  for (int round = 0; round < 3000; ++round) {
    const size_t len = static_cast<size_t>(200 - round % 200);
    std::string s;
    // (Every fourth text without LF: CR line endings only, which take their own path.)
    s += round % 4 == 3 ? gen.NextBytes(std::string_view("ab\r-", 4), len)
                        : gen.NextBytes(std::string_view("ab\r\n\r-", 6), len);
    const std::string want = reference(s);
    EXPECT_EQ(internal::NormalizeLineEndings(s), want) << round;
    EXPECT_EQ(internal::NormalizeLineEndingsInto(s, buffer), want) << round;
  }
  // Sparse line ends, as in mail: CRLF (or a lone CR, or CR CR LF) after lines of every length,
  // from every offset, so that a CR falls in every lane of a 16-byte block, and at its last lane
  // with the LF in the next block.
  for (size_t line = 0; line <= 40; ++line) {
    for (size_t offset = 0; offset < 16; ++offset) {
      for (std::string_view end : {"\r\n", "\r", "\r\r\n", "\n"}) {
        std::string s(offset, '-');
        for (int k = 0; k < 6; ++k) {
          s += std::string(line, static_cast<char>('a' + k));
          s += end;
        }
        const std::string want = reference(s);
        EXPECT_EQ(internal::NormalizeLineEndingsInto(s, buffer), want) << line << " " << offset;
      }
    }
  }
}

// A region for the ScratchBuffer tests, and how often it was asked for.
int region_calls = 0;
std::span<char> TestRegion() {
  static char bytes[4 * internal::ScratchBuffer::kSmall];
  ++region_calls;
  return bytes;
}
std::span<char> NoRegion() {  // as when the thread's block could not be mapped
  ++region_calls;
  return {};
}

TEST(MimeFastTest, ScratchBufferServesLargeRequestsFromItsRegionAndSmallOnesFromTheHeap) {
  constexpr size_t kSmall = internal::ScratchBuffer::kSmall;
  const std::span<char> region = TestRegion();
  region_calls = 0;
  internal::ScratchBuffer buffer(&TestRegion);
  // Small requests: the heap; the region is not even asked for.
  char* small = buffer.Reserve(100);
  ASSERT_NE(small, nullptr);
  EXPECT_FALSE(buffer.InRegion());
  char* grown = buffer.Reserve(kSmall);
  EXPECT_EQ(buffer.Reserve(50), grown);  // grown to kSmall once, then kept
  EXPECT_EQ(buffer.capacity(), kSmall);
  EXPECT_EQ(region_calls, 0);
  // Larger ones, up to the region's size: the region, whole.
  EXPECT_EQ(buffer.Reserve(kSmall + 1), region.data());
  EXPECT_TRUE(buffer.InRegion());
  EXPECT_EQ(buffer.capacity(), region.size());
  EXPECT_EQ(buffer.Reserve(region.size()), region.data());
  EXPECT_EQ(buffer.Reserve(10), region.data());  // it only grows
  EXPECT_EQ(region_calls, 1);
  buffer.ReleaseAbove(kSmall);  // the region is kept
  EXPECT_TRUE(buffer.InRegion());
  // More than the region holds: the heap, freed by ReleaseAbove; then the region again.
  char* big = buffer.Reserve(region.size() + 1);
  EXPECT_FALSE(buffer.InRegion());
  EXPECT_EQ(buffer.capacity(), region.size() + 1);
  big[region.size()] = 'x';
  buffer.ReleaseAbove(region.size());
  EXPECT_EQ(buffer.capacity(), 0u);
  EXPECT_EQ(buffer.Reserve(kSmall + 1), region.data());
  // Without a region (or an empty one) every request is the heap's.
  internal::ScratchBuffer plain;
  EXPECT_NE(plain.Reserve(kSmall + 1), region.data());
  EXPECT_FALSE(plain.InRegion());
  internal::ScratchBuffer failed(&NoRegion);
  EXPECT_NE(failed.Reserve(kSmall + 1), nullptr);
  EXPECT_FALSE(failed.InRegion());
  EXPECT_EQ(failed.capacity(), kSmall + 1);
}

TEST(MimeFastTest, PerThreadBuffersUseTheThreadBlocksScratchRegions) {
  EXPECT_EQ(internal::ThreadBlockForNormalized().data(), ThreadBlock::Scratch(0).data());
  EXPECT_EQ(internal::ThreadBlockForDecoded().data(), ThreadBlock::Scratch(1).data());
  EXPECT_EQ(internal::ThreadBlockForDecoded().size(), ThreadBlock::Scratch(1).size());
}

TEST(MimeFastTest, LargeTextsDecodedAndNormalisedInTheThreadBlockAsOnTheHeap) {
  // Texts over kSmall go to the per-thread buffers' region (once a reader has mapped the thread's
  // block): the same bytes as the copying API, which uses the heap, also for a longer text after
  // a shorter one and back, and for texts larger than the region (the heap again).
  const bool mapped = !ThreadBlock::ClaimReadAhead().empty();
  internal::ScratchBuffer normalized(&internal::ThreadBlockForNormalized);
  internal::ScratchBuffer decoded(&internal::ThreadBlockForDecoded);
  bw::testing::PieceText gen(77);
  static constexpr std::string_view kPieces[] = {
      "=3D", "= \n", "=\n", "\r\n", "\r", "plain text ", "=C3=A9", "0123456789abcdef01234"};
  for (size_t size : {size_t{20000}, size_t{100000}, size_t{300000}, size_t{40000},
                      size_t{1200000}, size_t{30}}) {
    const std::string s = gen.Next(kPieces, size / 6);  // ≈ 6 bytes a piece
    ASSERT_EQ(internal::NormalizeLineEndingsInto(s, normalized), internal::NormalizeLineEndings(s))
        << size;
    ASSERT_EQ(internal::DecodeQuotedPrintableInto(s, decoded), internal::DecodeQuotedPrintable(s))
        << size;
    if (size == 100000 && mapped) {
      EXPECT_TRUE(normalized.InRegion());
      EXPECT_TRUE(decoded.InRegion());
    }
    if (size == 300000) {
      EXPECT_FALSE(normalized.InRegion());
    }
    decoded.ReleaseAbove(size_t{1} << 20);
    normalized.ReleaseAbove(size_t{1} << 20);
  }
  if (mapped) {
    ThreadBlock::ReleaseReadAhead();
  }
}

TEST(MimeFastTest, ContainersCountedAsAByteLoopDoes) {
  const auto fold = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  const auto ends_with = [&](std::string_view s, size_t end, std::string_view w) {
    if (end < w.size()) {
      return false;
    }
    for (size_t k = 0; k < w.size(); ++k) {
      if (fold(s[end - w.size() + k]) != w[k]) {
        return false;
      }
    }
    return true;
  };
  const auto reference = [&](std::string_view s) {
    size_t n = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '/') {
        continue;
      }
      if (ends_with(s, i, "ultipart")) {
        ++n;
      } else if (ends_with(s, i, "essage") && s.size() - i > 6 && ends_with(s, i + 7, "rfc822")) {
        ++n;
      }
    }
    return n;
  };
  EXPECT_EQ(internal::CountContainers("Content-Type: MULTIPART/mixed; x=message/RFC822"), 2u);
  EXPECT_EQ(internal::CountContainers("message/rfc82"), 0u);
  EXPECT_EQ(internal::CountContainers("multipart\x18/ message/rfc\x18"
                                      "22"),
            0u);
  static constexpr std::string_view kPieces[] = {"multipart/",
                                                 "MultiPart/",
                                                 "message/",
                                                 "rfc822",
                                                 "RFC822",
                                                 "/",
                                                 "ultipart",
                                                 "essage",
                                                 "m",
                                                 "\n",
                                                 "x",
                                                 "rfc\x18"
                                                 "22",
                                                 "{ULTIPART",
                                                 "Message/Rfc822",
                                                 "\xcd"};
  bw::testing::PieceText gen(777);
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    const size_t pieces = static_cast<size_t>(round % 23);
    s += gen.Next(kPieces, static_cast<size_t>(pieces));
    ASSERT_EQ(internal::CountContainers(s), reference(s)) << s;
  }
}

TEST(MimeFastTest, MoreContainersThanAgreesWithCounting) {
  // The densest texts the counter can meet ("ultipart/" back to back, message/rfc822 runs,
  // slashes between) at every limit around size / 7, where the size shortcut starts to apply.
  static constexpr std::string_view kPieces[] = {"ultipart/", "multipart/", "essage/rfc822",
                                                 "Message/RFC822", "/", "m", "ultipart",
                                                 "rfc822", "\n"};
  bw::testing::PieceText gen(4242);
  size_t shortcut_hits = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const size_t pieces = static_cast<size_t>(round % 40);
    s += gen.Next(kPieces, static_cast<size_t>(pieces));
    const size_t count = internal::CountContainers(s);
    for (size_t max = 0; max <= s.size() / 5 + 2; ++max) {
      ASSERT_EQ(internal::MoreContainersThan(s, max), count > max) << s << " max " << max;
      shortcut_hits += s.size() <= 7 * max ? 1 : 0;
    }
  }
  EXPECT_GT(shortcut_hits, 1000u);  // the size shortcut was exercised
  EXPECT_TRUE(internal::MoreContainersThan(std::string(700, '/') + "multipart/multipart/", 1));
  EXPECT_FALSE(internal::MoreContainersThan("multipart/multipart/", 2));
  EXPECT_TRUE(internal::MoreContainersThan("multipart/multipart/", 1));
}

TEST(MimeFastTest, MoreContainersThanAgreesWithCountingOverLongTexts) {
  // Texts of several slash-counting chunks: long runs of filler and of '/' around dense container
  // strings, with limits around the slash and container counts, so that the count stops early
  // in some chunks and runs to the end in others.
  static constexpr std::string_view kPieces[] = {
      "ultipart/", "multipart/", "essage/rfc822", "Message/RFC822", "/", "m", "rfc822", "\n"};
  bw::testing::PieceText gen(777);
  size_t early = 0;
  for (int round = 0; round < 300; ++round) {
    std::string s;
    const int runs = 1 + round % 7;
    for (int r = 0; r < runs; ++r) {
      s += std::string(static_cast<size_t>((round * 997 + r * 331) % 4000), 'Q');
      s += std::string(static_cast<size_t>((round * 13 + r * 7) % 300), '/');
      s += gen.Next(kPieces, static_cast<size_t>((round + r) % 200));
    }
    const size_t count = internal::CountContainers(s);
    const size_t slashes = internal::CountSlashes(s);
    for (size_t max : {size_t{0}, count / 2, count, count + 1, slashes / 2, slashes, slashes + 1,
                       s.size() / 9 - 1, s.size() / 9, s.size() / 20, s.size() / 12}) {
      ASSERT_EQ(internal::MoreContainersThan(s, max), count > max)
          << round << " size " << s.size() << " max " << max;
      early += slashes > max && s.size() / 9 > max && count <= max ? 1 : 0;
    }
  }
  EXPECT_GT(early, 50u);  // texts with more slashes than max that the count still let through
  // Strings back to back over several chunks, shifted against the chunk edges: the bound on what
  // the rest of a text can hold is tight here (one string fewer than counted must not pass).
  for (size_t pad = 0; pad < 18; ++pad) {
    for (size_t reps : {240u, 460u, 700u, 1000u, 1300u}) {
      std::string s(pad % 9, 'Q');
      for (size_t r = 0; r < reps; ++r) {
        s += pad >= 9 && r % 3 == 2 ? "essage/rfc822" : "ultipart/";
      }
      const size_t count = internal::CountContainers(s);
      ASSERT_EQ(count, reps);
      for (size_t max : {reps - 2, reps - 1, reps, reps + 1}) {
        ASSERT_EQ(internal::MoreContainersThan(s, max), count > max) << pad << " " << reps;
      }
    }
  }
  // The size bound is exact: 9 bytes per string, back to back.
  EXPECT_TRUE(internal::MoreContainersThan("ultipart/ultipart/", 1));
  EXPECT_FALSE(internal::MoreContainersThan("ultipart/ultipart/", 2));
}

TEST(MimeFastTest, AppendUtf8AppendsWhatConvertToUtf8Returns) {
  struct Case {
    std::string_view bytes;
    const char* charset;
  };
  const Case cases[] = {
      {"plain ascii\n", nullptr},
      {"plain ascii\n", "us-ascii"},
      {"caf\xc3\xa9 utf-8", "utf-8"},
      {"caf\xc3\xa9 undeclared utf-8", nullptr},
      {"caf\xe9 latin-1", "iso-8859-1"},
      {"caf\xe9 undeclared 8-bit", nullptr},
      {"\x83\x81\x81\x5b\x83\x8b shift_jis", "shift_jis"},
      {"\x1b$B$3$s$K$A$O\x1b(B iso-2022-jp", nullptr},
      {"ascii in windows-1252", "windows-1252"},
      {"bytes \xff in an unknown charset", "x-no-such-charset"},
      {"", "utf-8"},
  };
  for (const auto& c : cases) {
    const std::string want = internal::ConvertToUtf8(c.bytes, c.charset);
    std::string out = "prefix:";
    internal::AppendUtf8(c.bytes, c.charset, out);
    EXPECT_EQ(out, "prefix:" + want) << c.bytes;
    std::string again;
    internal::AppendUtf8(c.bytes, c.charset, again);  // the reused buffer holds no stale bytes
    EXPECT_EQ(again, want) << c.bytes;
  }
  EXPECT_EQ(internal::ConvertToUtf8("caf\xe9", "iso-8859-1"), "caf\xc3\xa9");
}

TEST(MimeFastTest, QuotedPrintableDecodedAsAByteLoopDoes) {
  const auto reference = QuotedPrintableByteLoop;
  EXPECT_EQ(internal::DecodeQuotedPrintable("d=\nistribu=E9 =ZZ fin= \t\n=3d=3D="),
            "distribu\xe9 =ZZ fin==");
  static constexpr std::string_view kPieces[] = {"=",   "=E9",
                                                 "=e9", "=ZZ",
                                                 "= ",  "=\t",
                                                 "\n",  "plain text run of some length ",
                                                 "3D",  "=4",
                                                 "x",   " ",
                                                 "=\n", "0123456789abcdef0123"};
  bw::testing::PieceText gen(8080);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int pieces = round % 30;
    s += gen.Next(kPieces, static_cast<size_t>(pieces));
    ASSERT_EQ(internal::DecodeQuotedPrintable(s), reference(s)) << ::testing::PrintToString(s);
  }
}

TEST(MimeFastTest, SameMailAsGMimeForCommonShapes) {
  // multipart/report with DSN and attached original; folded header; boundary with trailing blanks.
  ExpectSameMail(
      "From: MAILER-DAEMON@mx.example.org\n"
      "Subject: Undelivered\n  Mail\n"
      "Content-Type: multipart/report; report-type=delivery-status;\n boundary=\"=_B(1)\"\n"
      "\n"
      "prologue\n"
      "--=_B(1)  \n"
      "Content-Type: text/plain; charset=us-ascii\n"
      "\n"
      "failed\n"
      "\n"
      "--=_B(1)\n"
      "Content-Type: message/delivery-status\n"
      "\n"
      "Reporting-MTA: dns; mx.example.org\n"
      "\n"
      "Final-Recipient: rfc822; a@example.net\n"
      "Status: 5.1.1\n"
      "--=_B(1)\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "From: s@example.com\n"
      "Message-ID: <m1@example.com>\n"
      "Subject: =?UTF-8?B?w6l0w6k=?=\n"
      "\n"
      "body\n"
      "--=_B(1)--\n"
      "epilogue\n");
  // A type in capitals and quoted parameters with quoted pairs, all four in one Content-Type (the
  // lower-cased and unescaped copies are kept side by side).
  ExpectSameMail(
      "From: MAILER-DAEMON@mx.example.org\n"
      "Content-Type: Multipart/Report; report-type=\"Delivery\\-Status\";\n"
      " boundary=\"B\\-1\"; charset=\"us\\-ascii\"\n"
      "\n"
      "--B-1\n"
      "Content-Type: text/plain\n"
      "\n"
      "failed\n"
      "--B-1--\n");
  // quoted-printable and base64 text parts, ISO-8859-1 text, encoded-word and raw 8-bit headers.
  ExpectSameMail(
      "From: =?ISO-8859-1?Q?Postma=EEtre?= <postmaster@example.fr>\n"
      "X-Raw: caf\xe9\n"
      "Content-Type: multipart/mixed; boundary=X\n"
      "\n"
      "--X\n"
      "Content-Type: text/plain; charset=ISO-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "Le message n'a pas =E9t=E9 d=\n"
      "istribu=E9 =ZZ fin=\n"
      "--X\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "w6l0w6kgcGFzc8Op\n"
      "--X--\n");
  // HTML only; a multipart whose boundary never appears; a part without headers.
  ExpectSameMail(
      "From: postmaster@example.org\n"
      "Content-Type: text/html\n"
      "\n"
      "<p>Delivery to <b>a@example.net</b> failed &amp; gave up</p>\n");
  ExpectSameMail(
      "From: postmaster@example.org\n"
      "Content-Type: multipart/mixed; boundary=NEVER\n"
      "\n"
      "no boundary here\nat all\n");
  // An attached message that is not one ("REDACTED"), or starts with lines that are not fields:
  // GMime drops them and reads the fields after them.
  for (std::string_view inner :
       {"REDACTED\n\n", "REDACTED\nFrom: c@example.com\nSubject: s\n\nbody\n",
        "some text: here\nmore\n"}) {
    ExpectSameMail(std::string("From: postmaster@example.org\n"
                               "Content-Type: multipart/report; boundary=X\n"
                               "\n"
                               "--X\n"
                               "Content-Type: text/plain\n"
                               "\n"
                               "complaint\n"
                               "--X\n"
                               "Content-Type: message/rfc822\n"
                               "\n") +
                   std::string(inner) + "--X--\n");
  }
  // A multipart without a boundary parameter, at the top and nested (its "boundary=" line lost
  // its fold and is dropped as a line without a colon).
  ExpectSameMail(
      "From: postmaster@example.org\n"
      "Content-Type: multipart/mixed\n"
      "\n"
      "--X\n"
      "Content-Type: text/plain\n"
      "\n"
      "no boundary parameter\n");
  ExpectSameMail(
      "From: postmaster@example.org\n"
      "Content-Type: multipart/mixed; boundary=\"OUT\"\n"
      "\n"
      "--OUT\n"
      "Content-Type: multipart/alternative;\n"
      "boundary=\"IN\"\n"
      "\n"
      "--IN\n"
      "Content-Type: text/plain\n"
      "\n"
      "Error: Invalid user address\n"
      "--IN--\n"
      "\n"
      "--OUT\n"
      "Content-Type: text/plain\n"
      "\n"
      "second part\n"
      "--OUT--\n");
  ExpectSameMail(
      "From: postmaster@example.org\n"
      "Content-Type: multipart/mixed; boundary=X\n"
      "\n"
      "--X\n"
      "\n"
      "headerless part\n"
      "--X\n"
      "Content-Type: multipart/alternative; boundary=Y\n"
      "\n"
      "--Y\n"
      "Content-Type: text/plain\n"
      "\n"
      "inner text\n"
      "--Y--\n"
      "--X--\n");
  // ISO-2022-JP text part.
  ExpectSameMail(
      "From: postmaster@example.jp\n"
      "Content-Type: text/plain; charset=ISO-2022-JP\n"
      "\n"
      "\x1b$B%a!<%k\x1b(B a@example.jp\n");
}

TEST(MimeFastTest, LeavesUnusualShapesToGMime) {
  EXPECT_TRUE(Declined("not a header line\n\nbody\n"));
  EXPECT_TRUE(
      Declined("From: a@example.org\nContent-Type: text/plain;\n"
               " charset*=utf-8''%E2%82%AC\n\nx\n"));  // RFC 2231
  EXPECT_TRUE(
      Declined("From: a@example.org\nContent-Type: multipart/digest; boundary=D\n\n"
               "--D\n\nFrom: b@example.org\n\nx\n--D--\n"));
  EXPECT_TRUE(
      Declined("From: a@example.org\nContent-Type: multipart/mixed; boundary=X\n\n"
               "--X\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
               "RnJvbTogYkBleGFtcGxlLm9yZwoKeAo=\n--X--\n"));
  EXPECT_TRUE(Declined("From: a@example.org\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n"));
  // Degenerate multiparts, where GMime's prologue and part ends follow rules of their own: a
  // closing line before any part, a boundary line right after another.
  EXPECT_TRUE(
      Declined("From: a@example.org\nContent-Type: multipart/mixed; boundary=B\n\n"
               "--\nx--B\n--B--\nContent-Type: text/plain\n\nepilogue\n--B--\n"));
  EXPECT_TRUE(
      Declined("From: a@example.org\nContent-Type: multipart/mixed; boundary=B\n\n"
               "prologue\n--B  \n--B--\n"));
  // A parameter name that is no token (a tspecial in it): GMime stops reading the parameters
  // there and keeps the whole body as prologue; the fast path read the parts after it.
  for (char special : std::string_view("()<>@,:\\/[]?")) {
    const std::string raw = std::string("From: MAILER-DAEMON@x.example\nContent-Type: "
                                        "multipart/report; r") +
                            special +
                            "port-type=delivery-status; boundary=B\n\n--B\n"
                            "Content-Type: text/plain\n\nx\n--B--\n";
    EXPECT_TRUE(Declined(raw)) << special;
  }
  // Comments: a '(' in the type, after it, in a parameter name or in an unquoted value (one in a
  // quoted value is text: see SameMailAsGMimeForCommonShapes).
  for (std::string_view ct :
       {"text/pl(x)ain", "text/plain (c)", "(c) text/plain", "text/plain; (c)charset=us-ascii",
        "text/plain; charset=us-(c)ascii", "text/plain; charset=us-ascii(c)",
        // the same beyond the first 16 bytes of a run (the block scan)
        "application/vnd.example.long(c)+xml", "text/plain; a-long-parameter-name(c)=x",
        "text/plain; name=a-long-unquoted-value-goes(c)-on; charset=us-ascii"}) {
    EXPECT_TRUE(Declined("From: a@example.org\nContent-Type: " + std::string(ct) + "\n\nx\n"))
        << ct;
  }
  // ... and LoadMail still reads them, with GMime.
  auto r = LoadMail("From: a@example.org\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n",
                    MimeLimits{});
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->fast_path);
}

TEST(MimeFastTest, DropsBrokenFieldLinesAsGMimeDoes) {
  // A line among the fields without a colon, or with a space inside its "name" (an unfolded
  // Received continuation): GMime drops it and reads on; the fast path does the same.
  ExpectSameMail("From: MAILER-DAEMON@x.example\nSubject: s\nstray words\nX-After: 1\n\nbody\n");
  ExpectSameMail(
      "From: MAILER-DAEMON@x.example\nSubject: s\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
      "--XX\nContent-Type: text/plain\nsome words: here\nX-P: 1\n\npart body\n"
      "--XX\nContent-Type: message/rfc822\n\n"
      "From: x@y.example\nReceived: from a\nby b for <k@y.example>; Wed, 17 Apr 2019 14:38:21\n"
      "Subject: orig\n\norig body\n--XX--\n");
  auto fast = Load(
      "From: MAILER-DAEMON@x.example\nby b for <k@y.example>; Wed, 1 Apr 2019 14:38\n"
      "Subject: s\n\nbody\n",
      MimeEngine::kFast);
  ASSERT_TRUE(fast.has_value());
  ASSERT_EQ(fast->headers.size(), 2u);
  EXPECT_EQ(fast->headers[1].name, "Subject");
  // Still left to GMime: such a line followed by a folded line, or as the first line.
  EXPECT_TRUE(Declined("From: a@example.org\nstray words\n continued\nX-After: 1\n\nbody\n"));
  EXPECT_TRUE(Declined("From: a@example.org\nX-Bad : v\n\nbody\n"));
}

TEST(MimeFastTest, LimitsApplyToTheFastPath) {
  // Depth: 30 nested multiparts with a depth limit of 16 -> partial, flagged.
  std::string deep =
      "From: MAILER-DAEMON@x.example\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n";
  for (int i = 1; i < 30; ++i) {
    deep += "--b" + std::to_string(i - 1) + "\nContent-Type: multipart/mixed; boundary=\"b" +
            std::to_string(i) + "\"\n\n";
  }
  auto d = Load(deep, MimeEngine::kFast);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->truncated);
  // Parts: more parts than allowed -> the walk stops at the limit.
  std::string many = "From: MAILER-DAEMON@x.example\nContent-Type: multipart/mixed; boundary=M\n\n";
  for (int i = 0; i < 50; ++i) {
    many += "--M\nContent-Type: text/plain\n\npart " + std::to_string(i) + "\n";
  }
  many += "--M--\n";
  MimeLimits few;
  few.engine = MimeEngine::kFast;
  few.max_parts = 10;
  auto m = LoadMail(many, few);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->truncated);
  EXPECT_EQ(m->text.find("part 20"), std::string::npos);
  // Size: over max_bytes is kTooLarge before any parsing.
  MimeLimits small;
  small.engine = MimeEngine::kFast;
  small.max_bytes = 64;
  auto big = LoadMail(std::string(100, 'x'), small);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), Code::kTooLarge);
}

TEST(MimeFastTest, FiftyMegabyteAttachmentIsNotDecoded) {
  std::string raw =
      "From: MAILER-DAEMON@x.example\nSubject: Undelivered Mail\n"
      "Content-Type: multipart/mixed; boundary=A\n\n"
      "--A\nContent-Type: text/plain\n\n<gone@example.net>: user unknown\n"
      "--A\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n";
  std::string line(76, 'Q');
  line.push_back('\n');
  while (raw.size() < (50u << 20)) {
    raw += line;
  }
  raw += "--A--\n";
  ParseOptions options;
  options.max_bytes = 64u << 20;
  options.engine = MimeEngine::kFast;
  auto start = std::chrono::steady_clock::now();
  auto r = ParseMail(raw, options);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].recipient, "gone@example.net");
  EXPECT_LT(seconds, 30.0);       // a bound against hangs, not a speed claim
  auto refused = ParseMail(raw);  // the default limit is 25 MiB
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kTooLarge);
}

TEST(MimeFastTest, TruncatedMailsGiveResultsOrErrors) {
  std::string raw = testing::ReadData("corpus/maildir/bsd/lhost-postfix-01.eml");
  for (size_t cut = 0; cut < raw.size(); cut += 97) {
    ParseOptions options;
    options.engine = MimeEngine::kFast;
    auto r = ParseMail(std::string_view(raw).substr(0, cut), options);
    if (!r) {
      EXPECT_TRUE(r.error().code() == Code::kInvalidInput || r.error().code() == Code::kNotFound)
          << cut;
    }
  }
}

// iconv's answer for `bytes` in `charset` (the reference the table-driven converters must give):
// the UTF-8 text, or the bytes unchanged when iconv refuses them.
std::string IconvOrKeep(std::string_view bytes, const char* charset) {
  iconv_t cd = iconv_open("UTF-8", charset);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return std::string(bytes);
  }
  std::string out(bytes.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* dst = out.data();
  size_t out_left = out.size();
  const size_t rc = iconv(cd, &in, &in_left, &dst, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1) || in_left != 0) {
    return std::string(bytes);
  }
  out.resize(out.size() - out_left);
  return out;
}

TEST(MimeFastTest, SingleByteCharsetsConvertAsIconvDoes) {
  // Every byte alone and between ASCII, then generated mixes, in each charset the tables handle.
  const char* const kCharsets[] = {"iso-8859-1", "ISO-8859-1", "latin1",      "iso8859-1",
                                   "iso-8859-15", "iso8859-15", "windows-1252", "cp1252"};
  for (const char* cs : kCharsets) {
    for (int b = 0; b < 256; ++b) {
      const std::string one(1, static_cast<char>(b));
      const std::string mixed = "ab" + one + "cd";
      ASSERT_EQ(internal::ConvertToUtf8(one, cs), IconvOrKeep(one, cs)) << cs << " " << b;
      ASSERT_EQ(internal::ConvertToUtf8(mixed, cs), IconvOrKeep(mixed, cs)) << cs << " " << b;
    }
    bw::testing::PieceText gen(99);
    for (int round = 0; round < 300; ++round) {
      const std::string s = gen.NextBytes(std::string_view("a \n\x80\x81\x8d\x9f\xa4\xbe\xe9\xff", 12),
                                          static_cast<size_t>(round % 70));
      ASSERT_EQ(internal::ConvertToUtf8(s, cs), IconvOrKeep(s, cs)) << cs << " " << round;
      std::string appended = "x";
      internal::AppendUtf8(s, cs, appended);
      ASSERT_EQ(appended, "x" + IconvOrKeep(s, cs)) << cs << " " << round;
    }
    // ASCII runs longer than a block (copied sixteen bytes at a time), with 8-bit bytes at every
    // position and ASCII tails of every length.
    for (size_t at = 0; at < 48; ++at) {
      for (const char b : {'\x80', '\xa4', '\xe9', '\xff'}) {
        std::string s(48, 'x');
        s[at] = b;
        s[47 - at] = b;
        s += std::string(at, 'y');
        ASSERT_EQ(internal::ConvertToUtf8(s, cs), IconvOrKeep(s, cs)) << cs << " " << at;
      }
    }
  }
  EXPECT_EQ(internal::ConvertToUtf8("\x80 \xa4", "windows-1252"), "\xe2\x82\xac \xc2\xa4");
  EXPECT_EQ(internal::ConvertToUtf8("\xa4", "iso-8859-15"), "\xe2\x82\xac");
  EXPECT_EQ(internal::ConvertToUtf8("x\x81", "windows-1252"), "x\x81");  // undefined: kept
}

TEST(MimeFastTest, DeclaredUtf8AndAsciiTextIsKeptAsIconvKeepsIt) {
  // Declared UTF-8 / US-ASCII text is returned unread: whatever it holds (invalid sequences,
  // NUL, 8-bit bytes), iconv either refuses it (and the bytes were kept) or gives it back as is.
  bw::testing::PieceText gen(31337);
  const std::string_view alphabet("a\n\0\x7f\x80\xbf\xc0\xc3\xa9\xe2\x82\xed\xa0\xf0\x9f\xf8\xff", 17);
  for (const char* cs : {"utf-8", "UTF8", "us-ascii", "US-ASCII"}) {
    for (int round = 0; round < 2000; ++round) {
      const std::string s = gen.NextBytes(alphabet, static_cast<size_t>(round % 24));
      ASSERT_EQ(internal::ConvertToUtf8(s, cs), s) << cs << " " << round;
      const char* iconv_name = (cs[0] == 'u' || cs[0] == 'U') && (cs[1] == 't' || cs[1] == 'T')
                                   ? "UTF-8"
                                   : "us-ascii";
      ASSERT_EQ(IconvOrKeep(s, iconv_name), s) << cs << " " << round;
    }
  }
}

TEST(MimeFastTest, UsualCharsetNamesTakenAsTheTableTakesThem) {
  // ConvertOrKeep answers "utf-8" and "us-ascii" (any case) before the charset table: every case
  // of them keeps the bytes, and names that only look like them are converted as iconv converts
  // them (a looser test, such as a prefix or a 0x20 fold, would keep these bytes unconverted).
  const std::string_view bytes[] = {"ab", "caf\xc3\xa9", "caf\xe9",
                                    std::string_view("a\0b\xff", 4)};
  for (const char* cs : {"utf-8", "UTF-8", "uTf-8", "us-ascii", "US-ASCII", "Us-AsCiI"}) {
    for (std::string_view b : bytes) {
      EXPECT_EQ(internal::ConvertToUtf8(b, cs), std::string(b)) << cs;
    }
  }
  for (const char* cs : {"utf-16", "UTF-16LE", "utf-32", "utf-7", "iso-8859-1", "latin1"}) {
    for (std::string_view b : bytes) {
      EXPECT_EQ(internal::ConvertToUtf8(b, cs), IconvOrKeep(b, cs)) << cs;
    }
  }
  EXPECT_NE(internal::ConvertToUtf8("ab", "utf-16"), "ab");  // the near misses do convert
  EXPECT_EQ(internal::ConvertToUtf8("caf\xe9", "latin1"), "caf\xc3\xa9");
}

TEST(MimeFastTest, BlockCopiesStopWhereAByteLoopStops) {
  // CopyBlocksUntil (two blocks a step, then one) from every start, with the stop byte at every
  // position or nowhere: where it stops, whether it found the byte, and the bytes it copied.
  for (size_t n = 0; n <= 100; ++n) {
    for (size_t at = 0; at <= n; ++at) {  // at == n: no stop byte
      std::string in(n, 'a');
      for (size_t k = 0; k < n; ++k) {
        in[k] = static_cast<char>('a' + k % 26);
      }
      if (at < n) {
        in[at] = '=';
      }
      for (size_t start = 0; start <= std::min(n, size_t{3}); ++start) {
        std::string out(n + 16, '#');
        size_t i = start;
        char* o = out.data();
        const bool found = internal::CopyBlocksUntil(in.data(), i, n, o, '=');
#if defined(__SSE2__)
        const bool blocks = true;
#else
        const bool blocks = false;
#endif
        // It stops at the byte when the byte lies in the blocks it reads (all but the last
        // fewer than sixteen bytes), else where fewer than sixteen bytes are left.
        const size_t full = start + (n - start) / 16 * 16;
        const bool want_found = blocks && at >= start && at < n && at < full;
        ASSERT_EQ(found, want_found) << n << " " << at << " " << start;
        const size_t want_i = !blocks ? start : want_found ? at : full;
        ASSERT_EQ(i, want_i) << n << " " << at << " " << start;
        ASSERT_EQ(static_cast<size_t>(o - out.data()), i - start);
        ASSERT_EQ(out.substr(0, i - start), in.substr(start, i - start))
            << n << " " << at << " " << start;
      }
    }
  }
}

TEST(MimeFastTest, LineEndsFoundAcrossLongRuns) {
  // FindLineEnd over runs longer than its two-block steps: one LF at every position of texts up
  // to 100 bytes (or none), from every start.
  for (size_t n = 0; n <= 100; ++n) {
    for (size_t at = 0; at <= n; ++at) {
      std::string s(n, 'x');
      if (at < n) {
        s[at] = '\n';
      }
      for (size_t from = 0; from <= n; ++from) {
        const size_t want = from <= at && at < n ? at : n;
        ASSERT_EQ(internal::FindLineEnd(s, from), want) << n << " " << at << " " << from;
      }
    }
  }
}

TEST(MimeFastTest, QuotedPrintableIntoAReusedBufferAsAByteLoopDoes) {
  const auto reference = [](std::string_view in) {
    // Same reference as QuotedPrintableDecodedAsAByteLoopDoes, through the copying API, whose
    // own loop is checked there.
    return internal::DecodeQuotedPrintable(in);
  };
  static constexpr std::string_view kPieces[] = {"=", "=3D", "=3d", "=ZZ", "= \n", "=\t\n", "=\n",
                                                 "\n", "<td class=3D\"x\">", "a run of sixteen+ ",
                                                 "=4", "x", "=20", "0123456789abcdef01234"};
  internal::ScratchBuffer buffer;  // reused: longer inputs first, so it holds stale bytes
  bw::testing::PieceText gen(2024);
  for (int round = 0; round < 20000; ++round) {
    const std::string s = gen.Next(kPieces, static_cast<size_t>(60 - round % 60));
    std::string want = reference(s);
    ASSERT_EQ(internal::DecodeQuotedPrintableInto(s, buffer), want) << ::testing::PrintToString(s);
  }
  EXPECT_EQ(internal::DecodeQuotedPrintableInto("0123456789abcdef=3D0123456789abcdef=\n!", buffer),
            "0123456789abcdef=0123456789abcdef!");
}

TEST(MimeFastTest, StripHtmlAsAByteLoopDoes) {
  const auto reference = StripHtmlByteLoop;
  static constexpr std::string_view kPieces[] = {
      "<",     ">",     "&",      "<br>",  "<BR/>", "<p class=x>", "</P>", "<div>", "</div>",
      "<tr>",  "<td>",  "&lt;",   "&GT;",  "&amp;", "&quot;",      "&nbsp;", "&#39;", "&x;",
      "text ", "\n",    "a longer run of plain text, 40 bytes... ", "<b>", "<t", "&n", "&#",
      "<style>p {a: b}</style>", "< >"};
  bw::testing::PieceText gen(555);
  for (int round = 0; round < 20000; ++round) {
    const std::string s = gen.Next(kPieces, static_cast<size_t>(round % 40));
    ASSERT_EQ(internal::StripHtml(s), reference(s)) << ::testing::PrintToString(s);
    std::string appended = "keep:";
    internal::StripHtmlInto(s, appended);
    ASSERT_EQ(appended, "keep:" + reference(s)) << ::testing::PrintToString(s);
  }
}

TEST(MimeFastTest, SlashesCountedAsStdCountDoes) {
  bw::testing::PieceText gen(4711);
  for (int round = 0; round < 400; ++round) {
    const size_t len = static_cast<size_t>(round) * 53 % 9000;
    const std::string s = gen.NextBytes(std::string_view("/a/\n//x", 7), len);
    ASSERT_EQ(internal::CountSlashes(s), static_cast<size_t>(std::count(s.begin(), s.end(), '/')))
        << len;
  }
  // Long runs of '/' only: every per-byte counter reaches its limit before it is summed.
  for (size_t len : {size_t{4031}, size_t{4032}, size_t{4033}, size_t{16320}, size_t{70001}}) {
    EXPECT_EQ(internal::CountSlashes(std::string(len, '/')), len) << len;
  }
  // A base64 attachment with a few hundred '/' and no container: no count needed, no error.
  std::string mail = "From: a@example.org\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\n";
  mail += std::string(20000, 'Q') + std::string(300, '/') + "\n--B--\n";
  EXPECT_FALSE(internal::MoreContainersThan(mail, 10));
  EXPECT_TRUE(internal::MoreContainersThan(mail + std::string(2000, '/') + " multipart/ x" +
                                               std::string(3000, 'y') +
                                               " message/rfc822 multipart/x multipart/y",
                                           3));
}

// Whether `raw` is a value whose decoding only cuts at most one space at each end (the rule
// PlainFieldValue follows), byte by byte.
bool PlainByByte(std::string_view raw) {
  if (!raw.empty() && raw.front() == ' ') {
    raw.remove_prefix(1);
  }
  if (!raw.empty() && raw.back() == ' ') {
    raw.remove_suffix(1);
  }
  if (!raw.empty() && (raw.front() == ' ' || raw.back() == ' ')) {
    return false;
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    const char next = i + 1 < raw.size() ? raw[i + 1] : '\0';
    if (c < ' ' || c >= 0x80 || (c == ' ' && next == ' ') || (c == '=' && next == '?')) {
      return false;
    }
  }
  return true;
}

TEST(MimeFastTest, PlainFieldValuesAreWhatDecodingGives) {
  // Values of every length up to 40 bytes (one and two 16-byte blocks, the 17-byte edge where
  // the last block overlaps) from bytes decoding changes and bytes it keeps: PlainFieldValue
  // takes exactly the values the byte rule takes, and its view (inside the value) is what
  // DecodeFieldValue returns.
  static constexpr std::string_view kMixed(" \t\n\r=?aZ.\x80\xc3\xa9\0-\x1f\x7f", 16);
  static constexpr std::string_view kMostlyPlain(" aZ.,<>@=?-0 bcd", 16);
  bw::testing::PieceText gen(2718);
  size_t plain = 0;
  for (int round = 0; round < 30000; ++round) {
    const size_t len = static_cast<size_t>(round) % 41;
    const std::string raw = gen.NextBytes(round % 3 == 0 ? kMixed : kMostlyPlain, len);
    std::string_view view;
    const bool is_plain = internal::PlainFieldValue(raw, view);
    ASSERT_EQ(is_plain, PlainByByte(raw)) << ::testing::PrintToString(raw);
    if (is_plain) {
      ++plain;
      ASSERT_EQ(view, internal::DecodeFieldValue(raw)) << ::testing::PrintToString(raw);
      ASSERT_TRUE(view.empty() ||
                  (view.data() >= raw.data() && view.data() + view.size() <= raw.data() + len));
    }
  }
  EXPECT_GT(plain, 5000u);
  struct Case {
    std::string_view raw;
    bool plain;
  };
  for (const Case& c :
       {Case{" Tue, 1 Dec 2026 05:14:00 +0000", true}, Case{"", true}, Case{" ", true},
        Case{" a=b?c ", true}, Case{"  two spaces first", false}, Case{"a\tb", false},
        Case{" =?utf-8?q?x?=", false}, Case{" caf\xc3\xa9", false}, Case{" folded\n value", false},
        Case{" ends with two spaces  ", false}, Case{"a  ", false}, Case{"  ", true},
        Case{" \xc3\xa9", false}, Case{" a\x01z", false}, Case{" del\x7f", true},
        Case{" a value longer than one block\x1f", false}}) {
    std::string_view view;
    EXPECT_EQ(internal::PlainFieldValue(c.raw, view), c.plain) << c.raw;
    if (c.plain) {
      EXPECT_EQ(view, internal::DecodeFieldValue(c.raw)) << c.raw;
    }
  }
}

TEST(MimeFastTest, PlainValuesReadBeforeACopyOutliveTheirMail) {
  // Value() of a plain field is a view into the header bytes the Headers keep: read before the
  // Headers are copied and the Mail is gone, it still reads the same.
  const std::string raw =
      "Date: Tue, 1 Dec 2026 05:14:00 +0000\n"
      "To: <rcpt@example.net>\n"
      "Subject: =?UTF-8?Q?caf=C3=A9?=\n"
      "\n"
      "body\n";
  Headers copy;
  {
    auto mail = Load(raw, MimeEngine::kFast);
    ASSERT_TRUE(mail.has_value());
    ASSERT_EQ(mail->headers.size(), 3u);
    EXPECT_EQ(mail->headers[0].Value(), "Tue, 1 Dec 2026 05:14:00 +0000");
    EXPECT_EQ(mail->headers[1].Value(), "<rcpt@example.net>");
    EXPECT_EQ(mail->headers[2].Value(), "caf\xc3\xa9");
    copy = mail->headers;
  }
  EXPECT_EQ(FindHeader(copy, "date"), "Tue, 1 Dec 2026 05:14:00 +0000");
  EXPECT_EQ(FindHeader(copy, "TO"), "<rcpt@example.net>");
  EXPECT_EQ(FindHeader(copy, "Subject"), "caf\xc3\xa9");
  const Header single = copy[0];
  EXPECT_EQ(single.Value(), "Tue, 1 Dec 2026 05:14:00 +0000");
  EXPECT_TRUE(copy[1].ValueMentions("RCPT@"));
}

TEST(MimeFastTest, FindHeaderFindsWhatALinearSearchFinds) {
  // Headers built every way (owned, undecoded, verbatim) from short names over a small alphabet,
  // so that names share lengths, first and last bytes: FindHeader (which rules names out by a
  // hash first) against a loop of IEquals, for names in the headers in other cases and for
  // names not in them.
  static constexpr std::string_view kNameBytes("aAbB-xX", 7);
  bw::testing::PieceText gen(1618);
  const auto flip = [](std::string name) {
    for (char& c : name) {
      if (c >= 'a' && c <= 'z') {
        c = static_cast<char>(c - 32);
      } else if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c + 32);
      }
    }
    return name;
  };
  size_t absent = 0;
  size_t ruled_out = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> names;
    Headers headers;
    const size_t fields = static_cast<size_t>(round) % 12;
    for (size_t k = 0; k < fields; ++k) {
      names.push_back(gen.NextBytes(kNameBytes, 1 + (static_cast<size_t>(round) + k * 5) % 9));
    }
    const std::string values =
        "value0 value1 value2 value3 value4 value5 value6 value7 value8 "
        "value9 valueA valueB";
    for (size_t k = 0; k < fields; ++k) {
      const std::string_view value = std::string_view(values).substr(k * 7, 6);
      switch (k % 3) {
        case 0:
          headers.push_back(Header(names[k], std::string(value)));
          break;
        case 1:
          headers.AddUndecoded(names[k], value);
          break;
        default:
          headers.AddVerbatim(names[k], value);
          break;
      }
    }
    std::vector<std::string> queries;
    for (const auto& n : names) {
      queries.push_back(flip(n));
    }
    for (int q = 0; q < 20; ++q) {
      queries.push_back(gen.NextBytes(kNameBytes, static_cast<size_t>(q) % 10));
    }
    for (const auto& q : queries) {
      std::string_view want;
      bool found = false;
      for (const auto& h : headers) {
        if (IEquals(h.name, q)) {
          want = h.Value();
          found = true;
          break;
        }
      }
      ASSERT_EQ(FindHeader(headers, q), want) << q;
      if (found) {
        ASSERT_TRUE(headers.MayHave(q)) << q;
      } else {
        ++absent;
        ruled_out += headers.MayHave(q) ? 0 : 1;
      }
    }
  }
  // The filter rules out most missing names (it would be no filter at all otherwise).
  EXPECT_GT(ruled_out * 2, absent);
}

TEST(MimeFastTest, AsciiUpperFoundAsAByteLoopFindsIt) {
  // Every byte value at every position of texts of 0 to 24 bytes (one, two and three 8-byte
  // words and the zero-padded rest).
  for (size_t len = 0; len <= 24; ++len) {
    EXPECT_FALSE(internal::HasAsciiUpper(std::string(len, 'a'))) << len;
    for (size_t at = 0; at < len; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'z');
        s[at] = static_cast<char>(b);
        ASSERT_EQ(internal::HasAsciiUpper(s), b >= 'A' && b <= 'Z') << len << " " << at << " " << b;
      }
    }
  }
}

TEST(MimeFastTest, FieldNamesComparedAsIEqualsComparesThem) {
  // Every byte a field name may hold (0x21-0x7e) at every position of the names the fast path
  // looks for, in three cases: IsFieldName and IsContentField answer as IEquals does.
  for (std::string_view lower :
       {std::string_view("content-type"), std::string_view("content-transfer-encoding"),
        std::string_view("content-")}) {
    std::string upper(lower);
    std::string mixed(lower);
    for (size_t i = 0; i < upper.size(); ++i) {
      if (upper[i] >= 'a' && upper[i] <= 'z') {
        upper[i] = static_cast<char>(upper[i] - 32);
        mixed[i] = i % 2 == 0 ? upper[i] : mixed[i];
      }
    }
    for (const std::string& start : {std::string(lower), upper, mixed}) {
      for (size_t at = 0; at < start.size(); ++at) {
        for (int b = 0x21; b <= 0x7e; ++b) {
          std::string s = start;
          s[at] = static_cast<char>(b);
          ASSERT_EQ(internal::IsFieldName(s, lower), IEquals(s, lower)) << s;
          ASSERT_EQ(internal::IsContentField(s), IStartsWith(s, "Content-")) << s;
        }
      }
    }
    EXPECT_FALSE(internal::IsFieldName(std::string(lower) + "s", lower));
    EXPECT_FALSE(internal::IsFieldName(lower.substr(1), lower));
  }
  EXPECT_FALSE(internal::IsContentField("Content"));
  EXPECT_TRUE(internal::IsContentField("CoNtEnT-Type"));
}

TEST(MimeFastTest, FieldLinesScannedAsAByteLoopScansThem) {
  // Lines of colons, LFs, blanks, letters, DEL, 8-bit and control bytes, from every position:
  // the colon (or LF), whether a bad name byte comes before it, and the line's end as a byte
  // loop finds them; FindLineEnd as std::string_view::find.
  static constexpr std::string_view kBytes(":\n \taZ\x7f\x80\x01-xyzw", 14);
  bw::testing::PieceText gen(31337);
  for (int round = 0; round < 20000; ++round) {
    const std::string s = gen.NextBytes(kBytes, static_cast<size_t>(round) % 70);
    for (size_t pos = 0; pos <= s.size(); pos += 1 + static_cast<size_t>(round) % 3) {
      size_t want_stop = pos;
      bool want_bad = false;
      while (want_stop < s.size() && s[want_stop] != ':' && s[want_stop] != '\n') {
        const auto c = static_cast<unsigned char>(s[want_stop]);
        want_bad = want_bad || c <= ' ' || c >= 0x7f;
        ++want_stop;
      }
      const size_t lf = s.find('\n', want_stop);
      const size_t want_end = lf == std::string::npos ? s.size() : lf;
      size_t stop = 0;
      bool bad = false;
      ASSERT_EQ(internal::ScanFieldLine(s, pos, stop, bad), want_end) << s << " " << pos;
      ASSERT_EQ(stop, want_stop) << ::testing::PrintToString(s) << " " << pos;
      ASSERT_EQ(bad, want_bad) << ::testing::PrintToString(s) << " " << pos;
      const size_t lf2 = s.find('\n', pos);
      ASSERT_EQ(internal::FindLineEnd(s, pos), lf2 == std::string::npos ? s.size() : lf2);
    }
    ASSERT_EQ(internal::FindLineEnd(s, s.size() + 1), s.size());
  }
  // Every byte value in a name, at every position of the 16-byte blocks: bad exactly for the
  // control bytes, space, DEL and the 8-bit bytes.
  for (int c = 0; c < 256; ++c) {
    if (c == ':' || c == '\n') {
      continue;
    }
    for (size_t at = 0; at < 40; ++at) {
      std::string s(40, 'x');
      s[at] = static_cast<char>(c);
      s += ": value of the field\n";
      size_t stop = 0;
      bool bad = false;
      internal::ScanFieldLine(s, 0, stop, bad);
      ASSERT_EQ(stop, 40u) << c << " " << at;
      ASSERT_EQ(bad, c <= ' ' || c >= 0x7f) << c << " " << at;
    }
  }
}

TEST(MimeFastTest, ParameterNamesMatchInAnyCaseAsGMimeMatchesThem) {
  // "boundary", "charset" and "report-type" with one byte in the other case or replaced by a
  // token byte near it ('`' and '_' are a letter and '-' with 0x20 set, 'M' another letter): the
  // fast path finds the parameter, or reads on without it, as GMime does (a multipart without its
  // boundary, an undeclared charset, no report type).
  static constexpr std::string_view kNames[] = {"boundary", "charset", "report-type"};
  size_t compared = 0;
  for (std::string_view want : kNames) {
    for (size_t at = 0; at < want.size(); ++at) {
      const char flipped =
          want[at] >= 'a' && want[at] <= 'z' ? static_cast<char>(want[at] - 32) : want[at];
      for (char b : {flipped, '`', '_', 'M'}) {
        std::string name(want);
        name[at] = b;
        std::string raw = "From: MAILER-DAEMON@x.example\n";
        if (want == "boundary") {
          raw += "Content-Type: multipart/mixed; " + name +
                 "=\"B\"\n\n--B\nContent-Type: text/plain\n\npart\n--B--\n";
        } else if (want == "charset") {
          raw += "Content-Type: text/plain; " + name + "=iso-8859-1\n\ncaf\xe9\n";
        } else {
          raw += "Content-Type: multipart/report; " + name +
                 "=delivery-status; boundary=B\n\n--B\nContent-Type: text/plain\n\nx\n--B--\n";
        }
        if (!CompareUnlessDeclined(raw, compared)) {
          FAIL() << ::testing::PrintToString(raw);
        }
      }
    }
  }
  EXPECT_GT(compared, 80u);
  // The parameters are found whatever their case (so the comparison above compared both kinds).
  auto mail = Load(
      "From: a@x.example\nContent-Type: multipart/REPORT; Report-Type=Delivery-Status; "
      "BOUNDARY=B\n\n--B\nContent-Type: text/plain; CharSet=ISO-8859-1\n\ncaf\xe9\n--B--\n",
      MimeEngine::kFast);
  ASSERT_TRUE(mail.has_value());
  EXPECT_EQ(mail->report_type, "delivery-status");
  EXPECT_EQ(mail->text, "caf\xc3\xa9");  // (the LF before a boundary line is part of it)
}

TEST(MimeFastTest, ValueMentionsAsksAboutAFieldSeveralTimes) {
  // Detectors ask about one field with several needles. The kind of its raw value is worked out
  // once: a value with encoded words is still searched decoded on the second question, and a
  // plain folded value answered from its raw bytes still decodes right afterwards.
  const std::string raw =
      "Subject: =?UTF-8?Q?Undeliverable:_caf=C3=A9?=\n"
      "Received: from a\n by b (Exim 4.92)\n"
      "\n"
      "body\n";
  auto mail = Load(raw, MimeEngine::kFast);
  ASSERT_TRUE(mail.has_value());
  ASSERT_EQ(mail->headers.size(), 2u);
  const Header& subject = mail->headers[0];
  EXPECT_FALSE(subject.ValueMentions("exim"));
  EXPECT_TRUE(subject.ValueMentions("CAF\xc3\xa9"));
  EXPECT_TRUE(subject.ValueMentions("undeliverable: caf"));
  const Header& received = mail->headers[1];
  EXPECT_FALSE(received.ValueMentions("postfix"));
  EXPECT_FALSE(received.ValueMentions("Microsoft SMTP Server"));
  EXPECT_TRUE(received.ValueMentions("a by b"));  // across the fold
  EXPECT_TRUE(received.ValueMentions("(EXIM 4.92)"));
  EXPECT_EQ(received.Value(), "from a by b (Exim 4.92)");
  EXPECT_EQ(subject.Value(), "Undeliverable: caf\xc3\xa9");
}

TEST(MimeFastTest, GeneratedHeaderBlocksReadAsGMimeReadsThem) {
  // Header blocks made of ordinary fields, long names, folded lines, lines without a colon or
  // with spaces or 8-bit bytes in the name: whatever the fast path takes, it reads as GMime.
  static constexpr std::string_view kLines[] = {
      "Subject: hello\n",
      "X-A-Field-Name-Longer-Than-Sixteen-Bytes: v\n",
      " folded continuation\n",
      "\tfolded: with a colon\n",
      "stray words without colon\n",
      "by host.example for <a@b.example>; Wed, 17 Apr 2019 14:38:21\n",
      "X-Bad\x80Name: v\n",
      "X-Spaced : v\n",
      "To: <rcpt@example.net>\n",
      "X-Empty:\n",
      "Received: from a (b [192.0.2.1]) by c with ESMTP id 123; Mon, 1 Jan 2024 00:00:00 +0000\n",
      "X-Colon-In-Value: a:b:c\n",
      "NoValue:\n",
      "X-Utf8: caf\xc3\xa9\n"};
  bw::testing::PieceText gen(8086);
  size_t compared = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string raw = "From: MAILER-DAEMON@x.example\n";
    raw += gen.Next(kLines, static_cast<size_t>(round % 12));
    raw += round % 3 == 0 ? "" : "\nbody text\n";
    if (!CompareUnlessDeclined(raw, compared)) {
      FAIL() << ::testing::PrintToString(raw);
    }
  }
  EXPECT_GT(compared, 300u);
}

TEST(MimeFastTest, NeedleFinderFindsWhatFindFinds) {
  // Needles of 1-90 bytes (below and above kMinSkip; some start with a run of one byte, as in
  // "----=_Part"), in texts made of pieces of the needle, near misses and other bytes, so that
  // most pairs of the needle occur in the text and many windows reach the compare; every start
  // position.
  bw::testing::PieceText gen(606);
  for (int round = 0; round < 400; ++round) {
    const size_t m = 1 + static_cast<size_t>(round) % 90;
    std::string needle = gen.NextBytes("--=_abcAB01.", m);
    if (round % 3 == 0 && m > 4) {
      needle.replace(0, 4, "----");
    }
    std::string mutated = needle;
    mutated[(static_cast<size_t>(round) * 7) % m] ^= 1;  // a near miss (one byte changed)
    const std::string half = needle.substr(0, m / 2);
    const std::string tail = needle.substr(m / 2);
    const std::string_view pieces[] = {needle, mutated, half, tail, "\n", "x", "--", "ab1.", " "};
    const std::string text = gen.Next(pieces, 4 + static_cast<size_t>(round) % 40);
    const internal::NeedleFinder finder(needle);
    for (size_t from = 0; from <= text.size() + 1; ++from) {
      ASSERT_EQ(finder.Find(text, from), Find(text, needle, from))
          << round << " " << from << " " << needle << " in " << text;
    }
  }
  // Needles around the longest with a skip table (kMaxSkip: every skip fits a byte).
  for (size_t m : {size_t{255}, size_t{256}, size_t{257}, size_t{300}}) {
    const std::string needle = gen.NextBytes("-=_aB0", m);
    const std::string head = needle.substr(0, m - 1);
    const std::string rest = needle.substr(1);
    const std::string_view pieces[] = {needle, head, rest, "x"};
    const std::string text = gen.Next(pieces, 12);
    const internal::NeedleFinder finder(needle);
    for (size_t from = 0; from <= text.size(); ++from) {
      ASSERT_EQ(finder.Find(text, from), Find(text, needle, from)) << m << " " << from;
    }
  }
  // Texts shorter than the needle, and a needle at the very end.
  const std::string needle = "------=_Part_1234_5678.90";
  const internal::NeedleFinder finder(needle);
  EXPECT_EQ(finder.Find(needle.substr(1), 0), std::string_view::npos);
  EXPECT_EQ(finder.Find("", 0), std::string_view::npos);
  EXPECT_EQ(finder.Find("x\n" + needle, 0), 2u);
  EXPECT_EQ(finder.Find("x\n" + needle, 3), std::string_view::npos);
}

TEST(MimeFastTest, GeneratedMultipartBodiesWithLongBoundariesSplitAsGMimeSplitsThem) {
  // As below with a boundary long enough for NeedleFinder's skips, and filler lines that hold
  // most of it (a near miss in its last byte, its start, its end).
  static constexpr std::string_view kB = "----=_NextPart_000_0012_01D1A2B3.C4D5E6F0";
  // (Built by appending: GCC 12 reports a false -Wrestrict for "literal" + std::string.)
  std::string dash = "--";
  dash += kB;
  const std::string close = dash + "--\n";
  const std::string near_miss = dash.substr(0, dash.size() - 1) + "1\n";
  const std::string start = dash.substr(0, 20) + "\n";
  std::string end = "x";
  end += dash.substr(10);
  end += '\n';
  const std::string open = dash + "\n";
  const std::string_view kParts[] = {
      "Content-Type: text/plain\n\nplain words\n",
      "Content-Type: message/delivery-status\n\nStatus: 5.1.1\n",
      "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
      "quoted-printable\n\ncaf=E9 =\nsoft\n"};
  const std::string one_dash = dash + "-\n";  // not a closing line
  const std::string_view kFiller[] = {near_miss, start, end, one_dash, "text line\n", "\n", "--\n"};
  bw::testing::PieceText gen(1313);
  size_t compared = 0;
  for (int round = 0; round < 600; ++round) {
    std::string raw = "From: MAILER-DAEMON@x.example\nContent-Type: multipart/mixed; boundary=\"";
    raw += kB;
    raw += "\"\n\n";
    raw += gen.Next(kFiller, static_cast<size_t>(round % 3));  // the prologue
    const size_t parts = 1 + static_cast<size_t>(round % 4);
    for (size_t k = 0; k < parts; ++k) {
      raw += open;
      raw += gen.Next(kParts, 1);
      raw += gen.Next(kFiller, static_cast<size_t>((round / 4) % 4));
    }
    raw += close;
    if (!CompareUnlessDeclined(raw, compared)) {
      FAIL() << ::testing::PrintToString(raw);
    }
  }
  EXPECT_GT(compared, 500u);
}

TEST(MimeFastTest, GeneratedMultipartBodiesSplitAsGMimeSplitsThem) {
  // Well-formed multiparts (an opening line, parts, a closing line, with blanks after some
  // boundary lines) whose parts hold lines that look like boundaries but are not ("x--B",
  // "--Bx", "-- B"), nested multiparts and the usual part types: split as GMime splits them.
  // (Degenerate shapes, such as a closing line before any part, are left to GMime.)
  static constexpr std::string_view kParts[] = {
      "Content-Type: text/plain\n\nplain words\n",
      "Content-Type: text/html\n\n<p>html &amp; words</p>\n",
      "Content-Type: message/delivery-status\n\nStatus: 5.1.1\n",
      "Content-Type: multipart/alternative; boundary=\"C\"\n\n--C\n\ninner\n--C--\n",
      "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
      "quoted-printable\n\ncaf=E9 =\nsoft\n",
      "\nno fields\n"};
  static constexpr std::string_view kFiller[] = {"x--B\n",      "--Bx\n", "-- B\n", "--\n",
                                                 "text line\n", "\n",     "--B-\n", "--B-x\n"};
  static constexpr std::string_view kOpen[] = {"--B\n", "--B  \n", "--B\t\n"};
  static constexpr std::string_view kClose[] = {"--B--\n", "--B-- \n", "--B--"};
  bw::testing::PieceText gen(1212);
  size_t compared = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string raw =
        "From: MAILER-DAEMON@x.example\nContent-Type: multipart/mixed; boundary=\"B\"\n\n";
    raw += gen.Next(kFiller, static_cast<size_t>(round % 3));  // the prologue
    const size_t parts = 1 + static_cast<size_t>(round % 4);
    for (size_t k = 0; k < parts; ++k) {
      raw += gen.Next(kOpen, 1);
      raw += gen.Next(kParts, 1);
      raw += gen.Next(kFiller, static_cast<size_t>((round / 4) % 4));
    }
    raw += gen.Next(kClose, 1);
    if (!CompareUnlessDeclined(raw, compared)) {
      FAIL() << ::testing::PrintToString(raw);
    }
  }
  EXPECT_GT(compared, 1000u);
}

// The block loops (16 bytes with SSE2, 32 with AVX2; the suite runs a second time with AVX2 off)
// against the byte loops, for texts of 0-70 bytes with a special byte or sequence at every
// position, alone or twice (the second one from every later position).
TEST(MimeFastTest, QuotedPrintableAtEveryBlockPositionAsAByteLoopDoes) {
  internal::ScratchBuffer buffer;
  for (std::string_view piece : {"=", "=3D", "=e9", "=\n", "= \n", "=\t \n", "=Z", "=4", "=="}) {
    for (const std::string& s : PiecePlacements("plain text ", piece)) {
      ASSERT_EQ(internal::DecodeQuotedPrintableInto(s, buffer), QuotedPrintableByteLoop(s))
          << ::testing::PrintToString(s);
    }
  }
}

TEST(MimeFastTest, LineEndingsAtEveryBlockPositionAsAByteLoopDoes) {
  internal::ScratchBuffer buffer;
  // "x\n" first: a text with an LF takes the CRLF loop, one without the CR-only map.
  for (std::string_view filler : {"x\nline of text ", "line of text "}) {
    for (std::string_view piece : {"\r", "\r\n", "\r\r\n", "\r\r", "\n\r"}) {
      for (const std::string& s : PiecePlacements(filler, piece)) {
        ASSERT_EQ(internal::NormalizeLineEndingsInto(s, buffer), LineEndingsByteLoop(s))
            << ::testing::PrintToString(s);
      }
    }
  }
}

TEST(MimeFastTest, StripHtmlAtEveryBlockPositionAsAByteLoopDoes) {
  // Outside a tag ('<' and '&' stop the scan) and inside one ('<' and '>' stop it).
  for (std::string_view filler : {"text run ", "<td style=x "}) {
    for (std::string_view piece : {"<", ">", "&", "&amp;", "&lt;", "<br>", "</p>", "<b>", "=>"}) {
      for (const std::string& s : PiecePlacements(filler, piece)) {
        ASSERT_EQ(internal::StripHtml(s), StripHtmlByteLoop(s)) << ::testing::PrintToString(s);
      }
    }
  }
  // Long texts (the AVX2 loop runs only from 64 bytes on): runs and tags of every length around
  // the 32-byte steps.
  for (size_t run = 0; run <= 70; ++run) {
    const std::string text(run, 't');
    const std::string attr(run, 'a');
    const std::string s = "<div " + attr + ">" + text + "&amp;" + text + "<td " + attr + ">" +
                          text + "</p>" + text + "&x" + text;
    ASSERT_EQ(internal::StripHtml(s), StripHtmlByteLoop(s)) << run;
  }
}

TEST(MimeFastTest, SlashesAtEveryPositionCountedAsStdCountDoes) {
  // Lengths across the 128-byte AVX2 steps and the 64- and 16-byte SSE2 blocks.
  for (size_t len = 0; len <= 300; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      std::string s(len, 'a');
      s[pos] = '/';
      s[len - 1 - (pos * 7) % len] = '/';
      ASSERT_EQ(internal::CountSlashes(s), static_cast<size_t>(std::count(s.begin(), s.end(), '/')))
          << len << " " << pos;
    }
  }
}

}  // namespace
}  // namespace bw::mail
