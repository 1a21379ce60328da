// SPDX-License-Identifier: Apache-2.0
// Internal to bw_ingest_mail: the pieces shared by the GMime walk (mail.cc) and the lightweight
// MIME fast path (mime_fast.cc). Not part of the module's interface.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/mail/mail.h"

namespace bw::mail::internal {

// `raw` with CRLF and lone CR turned into LF.
std::string NormalizeLineEndings(std::string_view raw);

// The same written into `buffer` (which only grows, so a reused one is not refilled); the
// result is a view into `buffer`, valid until it changes.
std::string_view NormalizeLineEndingsInto(std::string_view raw, std::string& buffer);

// How many "multipart/" and "message/rfc822" strings `raw` contains (any case of the two common
// spellings): a cheap upper bound of the MIME containers, checked before any parsing.
size_t CountContainers(std::string_view raw);

// Whether CountContainers(raw) > max, without counting when the size alone rules it out: two
// counted '/' are at least 7 bytes apart ("essage/rfc822" has 6 non-'/' bytes on each side,
// "ultipart/" 8 before it) and the first is at index 6 or later, so a text of at most 7 * max
// bytes holds at most max of them.
// Checks the cheaper upper bound CountSlashes(raw) first.
bool MoreContainersThan(std::string_view raw, size_t max);

// How many '/' bytes `raw` holds (16 bytes at a time).
size_t CountSlashes(std::string_view raw);

// `bytes` (text in `charset`, or undeclared when `charset` is null/empty) as UTF-8; `bytes`
// unchanged when the charset is unknown or the bytes do not fit it.
std::string ConvertToUtf8(std::string_view bytes, const char* charset);

// The bytes of a quoted-printable body: "=XX" escapes decoded, soft line breaks ("=" and
// optional blanks before a line end) removed, any other '=' kept.
std::string DecodeQuotedPrintable(std::string_view in);

// A byte buffer for decoded bytes that only grows and is never zero-filled (a std::string's
// resize writes every new byte): reused from part to part and mail to mail.
class ScratchBuffer {
 public:
  // At least `n` writable bytes; what they held before is not kept.
  char* Reserve(size_t n) {
    if (n > capacity_) {
      data_.reset(new char[n]);  // default-initialised: not zero-filled
      capacity_ = n;
    }
    return data_.get();
  }
  size_t capacity() const { return capacity_; }
  // Frees the bytes when they are more than `keep` (after a very large part).
  void ReleaseAbove(size_t keep) {
    if (capacity_ > keep) {
      data_.reset();
      capacity_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// DecodeQuotedPrintable(in) written into `buffer`; the result is a view into `buffer`, valid
// until it is used again.
std::string_view DecodeQuotedPrintableInto(std::string_view in, ScratchBuffer& buffer);

// Appends ConvertToUtf8(bytes, charset) to `out`, without a temporary copy when the bytes need
// no conversion.
void AppendUtf8(std::string_view bytes, const char* charset, std::string& out);
void AppendUtf8(std::string_view bytes, std::string_view charset, std::string& out);

// ConvertToUtf8(bytes, charset) as a view: `bytes` itself when they need no conversion, else
// the converted text in `buffer` (valid until it changes). An empty `charset` is undeclared.
// Declared UTF-8 and US-ASCII text is never read (it comes out as it is, valid or not), and
// ISO-8859-1, ISO-8859-15 and Windows-1252 are converted through tables, without iconv.
std::string_view Utf8View(std::string_view bytes, std::string_view charset, std::string& buffer);

// The text of an HTML part: tags removed, block tags turned into line breaks, a few entities.
std::string StripHtml(std::string_view html);

// StripHtml(html) appended to `out`.
void StripHtmlInto(std::string_view html, std::string& out);

// A raw header field value (as written after the colon, folded lines included) unfolded,
// RFC 2047-decoded exactly as GMime decodes header values, and with whitespace runs squeezed.
std::string DecodeFieldValue(std::string_view raw_value);

// The fast path: takes `lf` (LF line endings, no mbox "From " line) apart without building GMime
// objects. nullopt when the mail has a shape the fast path leaves to GMime (malformed header
// lines, RFC 2231 parameters, unknown transfer encodings, multipart/digest, ...). When it returns
// a Mail, that Mail gives the same parse results as the GMime walk. Limits as in LoadMail.
std::optional<Mail> FastLoadMail(std::string_view lf, const MimeLimits& limits);

// The same into `mail` (a default-constructed Mail): true when the fast path took the mail, false
// when it declines (then `mail` holds a partial result to discard). One Mail, no moves.
bool FastLoadMailInto(std::string_view lf, const MimeLimits& limits, Mail& mail);

}  // namespace bw::mail::internal
