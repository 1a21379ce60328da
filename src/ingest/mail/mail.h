// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace bw::mail {

// One header field: the name as written and the value unfolded and RFC 2047-decoded to UTF-8.
// A field read by the fast MIME path keeps its value as written (a view into bytes its Headers
// own) and decodes it the first time Value() reads it: most fields are never read. Value() may
// thus write to the field, so one Header (and one Mail) is read from one thread at a time.
struct Header {
  Header() = default;
  // A field that owns its name (one shared copy, so copies of the Header share it and `name`
  // stays valid through copies and moves) and its decoded value.
  Header(std::string_view field_name, std::string decoded_value)
      : owned_name_(std::make_shared_for_overwrite<char[]>(field_name.size())),
        value_(std::move(decoded_value)) {
    field_name.copy(owned_name_.get(), field_name.size());
    name = std::string_view(owned_name_.get(), field_name.size());
  }
  // A field whose name and value stay where they are written and whose value is decoded on
  // first use; both must outlive the Header (the fast path points them into the bytes its
  // Headers keep, see Headers::Keep): no copy of the name per field.
  struct UndecodedTag {};
  Header(UndecodedTag, std::string_view field_name, std::string_view raw_value)
      : name(field_name), raw_(raw_value), pending_(true) {}
  static Header Undecoded(std::string_view field_name, std::string_view raw_value) {
    return Header(UndecodedTag{}, field_name, raw_value);
  }
  // A field whose name and value (used as they are, not decoded) stay where they are written;
  // both must outlive the Header (ParseFieldBlock points them into bytes its Headers keep).
  struct VerbatimTag {};
  Header(VerbatimTag, std::string_view field_name, std::string_view value)
      : name(field_name), raw_(value), verbatim_(true) {}
  // Copies and moves are member-wise: an owned name lives in shared bytes that do not move, so
  // `name` stays valid in every copy.

  // The value unfolded, RFC 2047-decoded to UTF-8, white space squeezed.
  std::string_view Value() const;

  // Whether Value() contains `needle` (ASCII case ignored). A plain value (PlainRawValue) is
  // first searched as written for the needle's longest word (LongestWord, text_util.h): when
  // that is not there, the answer is no without decoding.
  bool ValueMentions(std::string_view needle) const;
  // ValueMentions(needle) for a caller that asks many fields about one needle and works out its
  // word once. REQUIRES: word == LongestWord(needle).
  bool ValueMentions(std::string_view needle, std::string_view word) const;

  // The value as written, when it holds exactly the words of Value(): a field not decoded yet
  // whose raw value is ASCII without "=?" (decoding it only squeezes its white space: ' ', '\t',
  // '\n', '\r'), or a field whose Value() is its raw value. A text without those four bytes is
  // then in this value exactly when it is in Value() (whether ASCII case is ignored or not), so
  // a search can rule a needle out without decoding. nullopt for other fields (Value() has to be
  // read).
  // Whether a pending raw value is plain is worked out once per field.
  std::optional<std::string_view> PlainRawValue() const;

  // The field name as written: the Header's own copy, or a view into the bytes its Headers keep.
  std::string_view name;

 private:
  friend class Headers;

  // The layout keeps a Header small and cheap to build (the fast path makes one per field):
  // the name's bytes when the Header owns them (one shared copy; null when `name` is a view into
  // bytes kept elsewhere), then the flags packed together.
  std::shared_ptr<char[]> owned_name_;
  mutable std::string value_;
  // The value as written (undecoded or verbatim fields). Value() narrows it to the decoded value
  // (and sets verbatim_) when decoding a plain value would only trim its ends.
  mutable std::string_view raw_;
  mutable bool pending_ = false;
  mutable bool verbatim_ = false;  // Value() is raw_ itself
  // Whether raw_ (of a pending field) is ASCII without "=?", so that decoding keeps its runs of
  // non-blank bytes: -1 not known yet (PlainRawValue works it out once per field).
  mutable int8_t raw_is_text_ = -1;
};

// The fields of one header block, in order. A vector of Header that also keeps alive the bytes
// the fields' undecoded values point into, so copies and moves stay valid.
class Headers {
 public:
  using value_type = Header;
  using const_iterator = std::vector<Header>::const_iterator;

  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const Header& operator[](size_t i) const { return fields_[i]; }
  const Header& back() const { return fields_.back(); }
  void push_back(Header h) {
    NoteName(h.name);
    fields_.push_back(std::move(h));
  }
  // Appends Header::Undecoded(name, raw_value), built in place.
  void AddUndecoded(std::string_view name, std::string_view raw_value) {
    NoteName(name);
    fields_.emplace_back(Header::UndecodedTag{}, name, raw_value);
  }
  // Appends a verbatim field (Header::VerbatimTag), built in place.
  void AddVerbatim(std::string_view name, std::string_view value) {
    NoteName(name);
    fields_.emplace_back(Header::VerbatimTag{}, name, value);
  }
  // False when no field is named `name` (any ASCII case); true when one may be (the answer of a
  // 64-bit set of name hashes, so most names that are missing are ruled out without a search).
  bool MayHave(std::string_view name) const { return ((name_bits_ >> NameBit(name)) & 1u) != 0; }
  // Replaces the value of the last field (which must exist) with a decoded one. The name stays
  // as it is: owned, or a view into bytes that must outlive these headers as before (or that
  // ParseFieldBlockInto re-points into the bytes it keeps), so no copy of it is made.
  void SetLastValue(std::string value) {
    Header& h = fields_.back();
    h.value_ = std::move(value);
    h.pending_ = false;
    h.verbatim_ = false;
  }
  // Appends ' ' and `piece` to the value of the last field (which must exist), in place once the
  // field holds its own decoded value (a folded line).
  void AppendToLastValue(std::string_view piece);
  void reserve(size_t n) { fields_.reserve(n); }
  // Keeps `bytes` (the raw header block undecoded values point into) as long as these headers
  // or a copy of them live. (An array rather than a std::string: one allocation for the control
  // block and the bytes together, std::make_shared_for_overwrite.)
  void Keep(std::shared_ptr<const char[]> bytes) {
    bytes_ = std::move(bytes);
    bytes_capacity_ = 0;  // not known: never written over
  }
  // Keeps a copy of [lo, hi) as Keep does and returns where it starts, for fields added next to
  // point into. The bytes kept so far are written over when they are large enough and nothing
  // else shares them (no copy of these headers), so headers cleared and filled again from mail
  // to mail allocate once. REQUIRES: empty() (no field points into the kept bytes).
  const char* KeepCopy(const char* lo, const char* hi);
  // Removes every field; keeps the memory of the field list, and of the kept bytes unless they
  // are more than 1 MiB, for the fields added next (KeepCopy).
  void clear() {
    fields_.clear();
    name_bits_ = 0;
    if (bytes_capacity_ > (size_t{1} << 20)) {
      bytes_.reset();
      bytes_capacity_ = 0;
    }
  }

 private:
  // A hash (0-63) of a field name that is the same for every ASCII case of it: its length and
  // its first and last bytes with 0x20 set (which maps the two cases of a letter together).
  static unsigned NameBit(std::string_view name) {
    if (name.empty()) {
      return 0;
    }
    const unsigned first = static_cast<unsigned char>(name.front()) | 0x20u;
    const unsigned last = static_cast<unsigned char>(name.back()) | 0x20u;
    return (static_cast<unsigned>(name.size()) * 7u + first * 3u + last * 5u) & 63u;
  }
  void NoteName(std::string_view name) { name_bits_ |= uint64_t{1} << NameBit(name); }
  // Room for `n` bytes that these headers keep (in bytes_): the bytes kept so far when they are
  // large enough, nothing else shares them and `reuse` (no field points into them), else new ones.
  char* KeepRoom(size_t n, bool reuse);
  // Keeps a copy of [lo, hi) (KeepRoom) and points every view of a field (names not owned,
  // undecoded and verbatim values) that lies in it into the copy instead. `reuse`: whether the
  // kept bytes may be written over. REQUIRES: no field view outside [lo, hi) points into the
  // bytes kept so far (they may be freed), and with `reuse`, [lo, hi) does not overlap them.
  void CopyAndRepoint(const char* lo, const char* hi, bool reuse);
  // Whether `v` starts in the bytes KeepRoom made.
  bool InKeptBytes(std::string_view v) const {
    return bytes_capacity_ > 0 && v.data() >= bytes_.get() &&
           v.data() < bytes_.get() + bytes_capacity_;
  }
  friend void ParseFieldBlockInto(std::string_view text, Headers& out, size_t max_fields);

  std::vector<Header> fields_;
  uint64_t name_bits_ = 0;  // bit NameBit(name) set for the name of each field
  std::shared_ptr<const char[]> bytes_;
  // How many bytes KeepRoom made bytes_ (writable bytes); 0 when they came from elsewhere (Keep):
  // then they are never written over.
  size_t bytes_capacity_ = 0;
};

// The value of the first field named `name` (any case), or "" when there is none.
std::string_view FindHeader(const Headers& headers, std::string_view name);

// Parses "Name: value" lines (continuation lines folded in) until the first empty line or the
// end. Lines that are not fields are skipped. At most `max_fields` fields. Never throws.
Headers ParseFieldBlock(std::string_view text, size_t max_fields = 1000);

// ParseFieldBlock(text, max_fields) into `out`, which is emptied first (Headers::clear), so that
// headers filled again from mail to mail reuse their memory.
void ParseFieldBlockInto(std::string_view text, Headers& out, size_t max_fields = 1000);

// Which MIME reader takes a mail apart. kAuto (the default) tries the lightweight fast path
// and hands the mail to GMime when the fast path declines it; kGMime and kFast force one (kFast
// fails with kNotFound when the fast path declines) for tests and benchmarks.
enum class MimeEngine { kAuto, kGMime, kFast };

// Limits applied while taking a mail apart (by either reader).
struct MimeLimits {
  size_t max_bytes = 25u << 20;  // Default: 25 MiB; larger input is kTooLarge
  int max_depth = 16;            // Default: 16 nested multiparts / attached messages
  int max_parts = 1000;          // Default: 1,000 MIME parts
  MimeEngine engine = MimeEngine::kAuto;
};

// A mail taken apart into what the detectors look at. Plain data.
struct Mail {
  Headers headers;          // top-level header fields
  std::string mime_type;    // top-level "type/subtype", lower case
  std::string report_type;  // report-type parameter of a multipart/report, lower case
  std::string text;         // human-readable text: text/plain parts (else text/html without
                            // tags), UTF-8, LF line endings, attached messages excluded
  std::vector<std::string> delivery_status;  // bodies of message/delivery-status parts
  std::string feedback_report;               // body of the message/feedback-report part
  Headers original_headers;   // header of the attached original message, when attached
  std::string original_body;  // start of the attached original message's text, when attached
  bool has_original = false;  // whether an original message (or its header) was attached
  std::string original_raw;   // the attached message/rfc822 as written (at most 1 MiB), for
                              // bounces forwarded as an attachment
  bool truncated = false;     // a limit cut the walk short; the result may be partial
  bool fast_path = false;     // taken apart by the fast path (false: by GMime)
  size_t readable_size = 0;   // length of `text` before a quoted original message
  std::string text_lower;     // `text` with the ASCII letters of Readable() lower-cased (same
                              // length; past readable_size each byte is as in `text` or
                              // lower-cased), for case-insensitive searches of Readable()
                              // (ReadableHas, NextLineMentioning)

  // `text` up to where a quoted original message starts.
  std::string_view Readable() const { return std::string_view(text).substr(0, readable_size); }

  // Makes the Mail equal to a default-constructed one but keeps the memory its strings and field
  // lists hold (not that of delivery_status's strings; a string over 1 MiB is given back), for a
  // Mail that LoadMailInto fills again from mail to mail. (A member added above must be reset
  // there too.)
  void Clear();
};

// The lower-case phrases that mark the start of the quoted original message (FindOriginalStart
// also cuts at separator lines such as "--- Original message ---").
inline constexpr std::string_view kOriginalMessageMarkers[] = {
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message follows",
    "-----original message-----",
    "----- original message -----",
    "------ original message ------",
    "the header and text of the original message follow",
    "the original message headers",
    "message headers follow",
    "--- the header of the original message is following",
    "original message header",
    "-- original message --",
    "----- the following is a copy of the message",
    "content-type: message/rfc822",
    "----- unsent message follows -----",
    "------ returned message ------",
    "--- returned message ---",
    "------ a copy of the message",
    "included is a copy of the message header",
    "a copy of the original message below",
    "the text you sent follows:",
    "unsent message below",
    "\noriginal message:",
};

// Where the quoted original message starts in `text`, given also `lower` = ToLower(text).
size_t FindOriginalStart(std::string_view text, std::string_view lower);

// FindOriginalStart(text) in one pass that also lower-cases: `lower` points at text.size() bytes
// holding a copy of `text`. On return its bytes before the returned position are those of
// ToLower(text); each later byte is as in `text` or lower-cased (the pass stops at the cut, so
// the rest of a long text is not lower-cased for nothing).
size_t LowerUntilOriginalStart(std::string_view text, char* lower);

// Where the quoted original message starts in `text` ("------ This is a copy of the message",
// "--- Below this line is a copy", "Original message follows", ...); text.size() when nowhere.
size_t FindOriginalStart(std::string_view text);

// Takes `raw` (CR, LF or CRLF line endings) apart: with the fast path (string views over the
// bytes, decoding only the parts detectors read) when it handles the mail's shape, else with
// GMime (limits.engine can force one). kTooLarge over max_bytes or with far more MIME parts than
// allowed; kInvalidInput when there is no header at all; kNotFound only with MimeEngine::kFast
// when the fast path declines the mail; kUnavailable when the mail needs GMime and GMime cannot be
// loaded (gmime_api.h: the installation lacks libgmime-3.0-0). Otherwise a Mail, possibly partial (truncated) when a
// depth or part limit was hit. Thread-safe.
Result<Mail> LoadMail(std::string_view raw, const MimeLimits& limits);

// LoadMail(raw, limits) into `mail`, which is emptied first (Mail::Clear): a Mail kept and filled
// again from mail to mail reuses the memory of its strings and field lists instead of allocating
// them per mail. The same errors as LoadMail; `mail` then holds nothing of use. Thread-safe for
// distinct Mails.
Status LoadMailInto(std::string_view raw, const MimeLimits& limits, Mail& mail);

}  // namespace bw::mail
