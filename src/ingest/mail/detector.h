// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/mail/mail.h"
#include "ingest/mail/text_util.h"

namespace bw::mail {

// What a detector found about one recipient. Empty fields are filled in later by the pipeline
// (status and reply code from the diagnostic, reason from all of it).
struct Delivery {
  std::string recipient;
  std::string status;           // RFC 3463 code as found
  std::string reply_code;       // SMTP reply code as found
  std::string diagnostic;       // the error text for this recipient
  std::string diagnostic_type;  // "SMTP", "X-UNIX", ... (Diagnostic-Code type)
  std::string action;           // failed, delayed, delivered, ...
  std::string smtp_command;     // RCPT, MAIL, DATA, CONN, EHLO, HELO
  std::string reason;           // a reason the detector is sure of (vacation, feedback, ...)
  std::string feedback_type;    // ARF Feedback-Type
  std::string remote_mta;
  std::string reporting_mta;
  std::string date;  // Last-Attempt-Date / Arrival-Date as written
};

// The Subject / From of the bounce, lower-cased.
std::string SubjectLower(const Mail& mail);
std::string FromLower(const Mail& mail);

// Cheap facts about one mail, computed once by the pipeline before any detector runs, so that a
// detector can decline a mail (Accepts) without scanning it. The Subject is read on first use
// (few Accepts need it); not thread-safe, the mail it was made from must outlive it.
struct MailSignals {
  std::string from;                  // the From header, lower case
  bool has_delivery_status = false;  // a message/delivery-status part is attached
  bool has_feedback_report = false;  // a message/feedback-report part is attached
  bool from_daemon = false;          // From names a mail system (mailer-daemon, postmaster, ...)
  const Mail* mail = nullptr;        // the mail SignalsOf read, for Subject (none: "")

  // The Subject header, lower case.
  const std::string& Subject() const {
    if (!subject_) {
      subject_ = mail != nullptr ? SubjectLower(*mail) : std::string();
    }
    return *subject_;
  }

 private:
  mutable std::optional<std::string> subject_;
};

MailSignals SignalsOf(const Mail& mail);

// One MTA family's (or one standard's) way of writing bounces. Implementations are stateless and
// thread-safe; each lives in its own file under detectors/ and is listed once in registry.cc.
class Detector {
 public:
  virtual ~Detector() = default;
  // A short stable name ("postfix", "rfc3464", ...), for logs and tests.
  virtual std::string_view Name() const = 0;
  // False when `signals` show the mail cannot be this family's report (Detect is then skipped);
  // true when Detect must look. Cheap; the default accepts every mail.
  virtual bool Accepts(const MailSignals& signals) const {
    (void)signals;
    return true;
  }
  // Returns the deliveries when `mail` is this family's report and at least one recipient was
  // found; an empty vector otherwise (the next detector is asked). Never throws.
  virtual std::vector<Delivery> Detect(const Mail& mail) const = 0;
};

// Every detector, most specific first: ARF, the MTA families, then RFC 3464, RFC 3834 and the
// generic text scanner. Built once; thread-safe.
const std::vector<std::unique_ptr<Detector>>& Detectors();

// The detector called `name`, or nullptr (for tests).
const Detector* FindDetector(std::string_view name);

// ---- helpers shared by detectors ----

// The results of the shared helpers below for one mail, kept while a DetectionScope is open.
struct DetectionMemo {
  std::optional<std::vector<Delivery>> delivery_status_with_text;
  std::optional<std::vector<Delivery>> bounce_text;
  // A bit per kReadablePhrases entry (see ReadableHas).
  std::optional<uint64_t> readable_phrases;
  // A bit per ReceivedNeedle (see ReceivedMentions): which were looked for, which were found.
  uint32_t received_known = 0;
  uint32_t received_found = 0;
};

// While a DetectionScope for `mail` is alive on this thread, DeliveryStatusWithText and
// ScanBounceText compute their result for `mail` once (see TakeMemoized), ReadableHas scans the
// text once and ReceivedMentions keeps its answers: several detectors ask for the same. ParseMail
// opens one around its detector loop; `mail` must not change while it is open. Scopes nest (an
// attached report is parsed inside another parse).
class DetectionScope {
 public:
  explicit DetectionScope(const Mail& mail);
  ~DetectionScope();
  DetectionScope(const DetectionScope&) = delete;
  DetectionScope& operator=(const DetectionScope&) = delete;

  // The memo for `mail` when the innermost open scope is for it; nullptr otherwise.
  static DetectionMemo* MemoFor(const Mail& mail);

 private:
  const Mail* mail_;
  DetectionScope* outer_;
  DetectionMemo memo_;
};

namespace internal {
// The deliveries memoized in `slot`, computed by `compute()` when the slot is empty. No deliveries
// stay memoized for the next ask (several detectors ask in turn until one finds some); found ones
// are handed over, not copied, and the slot is emptied: the detector that gets deliveries reports
// them and detection stops, so another ask is rare (it computes them again).
template <class Compute>
std::vector<Delivery> TakeMemoized(std::optional<std::vector<Delivery>>& slot, Compute compute) {
  if (!slot) {
    slot = compute();
  }
  if (slot->empty()) {
    return {};
  }
  std::vector<Delivery> out = std::move(*slot);
  slot.reset();
  return out;
}
}  // namespace internal

// RFC 3464 §2.2-2.3: the per-recipient field groups of every message/delivery-status part (or,
// when there is none, of "Final-Recipient:" blocks written into the text). Recipients without an
// address are dropped.
std::vector<Delivery> ParseDeliveryStatus(const Mail& mail);

namespace internal {
// The RFC 3464 fields ParseDeliveryStatus reads, and which one a field name (any case) is
// (kOther for every other name). Exposed for tests.
enum class DsnField {
  kOther,
  kReportingMta,
  kArrivalDate,
  kFinalRecipient,
  kXActualRecipient,
  kOriginalRecipient,
  kAction,
  kStatus,
  kRemoteMta,
  kDiagnosticCode,
  kLastAttemptDate,
};
DsnField DsnFieldOf(std::string_view name);
}  // namespace internal

// ParseDeliveryStatus plus what the human-readable text adds: the SMTP command ("in reply to RCPT
// TO command") and, where the DSN has none, the diagnostic from the lines naming the recipient.
// What the rfc3464 detector returns; MTA detectors whose reports carry a DSN start from it.
std::vector<Delivery> DeliveryStatusWithText(const Mail& mail);

// The part of `text` before the returned original message ("------ This is a copy of the
// message", "--- Below this line is a copy", "Original message follows", ...).
std::string_view TextBeforeOriginal(std::string_view text);

// The recipients a bounce's human-readable text names, in the shapes nearly every MTA uses
// ("<a@b>:", "<a@b>... ", an address alone on a line, "Unknown user: a@b", "RCPT TO:<a@b>"),
// each with the lines that follow as its diagnostic. Does not check that `mail` is a bounce.
std::vector<Delivery> ScanBounceText(const Mail& mail);

// Every fixed phrase a detector looks for in the readable text (Mail::Readable), written in
// lower case and matched in any ASCII case. A detector names one with ReadablePhrase("...") and
// asks ReadableHas; one scan of the text answers them all. A new phrase is a new row (at most
// PhraseSet::kMaxPhrases; none shorter than 13 bytes keeps the scan's steps long).
inline constexpr std::string_view kReadablePhrases[] = {
    // mcafee
    "--- the following addresses had delivery problems ---",
    // exim
    "this message was created automatically by mail delivery",
    // postfix
    "this is the mail system at host",
    "this is the postfix program at host",
    "the mail system",
    // sendmail
    "----- transcript of session follows -----",
    "----- the following addresses had permanent fatal errors -----",
    // qmail
    "qmail-send program",
    "hi. this is the",
    // outlook
    "delivery to the following recipients failed",
    "delivery to the following recipients has been delayed",
    "automatically generated delivery status notification",
    // exchange
    "did not reach the following recipient",
    "delivery has failed to these recipients or groups",
    "diagnostic information for administrators",
    "couldn't be delivered",
    "remote server returned '",
    // yahoo
    "sorry, we were unable to deliver your message to the following",
    "remote host said:",
    // generic (and gmail: "delivery to the following recipient")
    "could not be delivered",
    "was not delivered",
    "wasn't delivered",
    "undeliverable",
    "delivery has failed",
    "delivery failed",
    "permanent error",
    "error message below",
    "invalid user address",
    "unable to deliver",
    "returned permanent errors",
    "could not deliver",
    "delivery to the following recipient",
};

// The index of `lower_phrase` in kReadablePhrases; a phrase missing from it does not compile.
consteval size_t ReadablePhrase(std::string_view lower_phrase) {
  for (size_t i = 0; i < std::size(kReadablePhrases); ++i) {
    if (kReadablePhrases[i] == lower_phrase) {
      return i;
    }
  }
  throw "not in kReadablePhrases";  // not a constant expression: a compile error
}

// Whether the readable text contains kReadablePhrases[phrase] in any ASCII case. The first call
// inside a DetectionScope for `mail` scans the text for all the phrases at once (the lower-cased
// copy LoadMail keeps, or a lower-cased copy when the Mail was built without it); later calls
// read the answer. Outside a scope every call scans.
bool ReadableHas(const Mail& mail, size_t phrase);

// The next line of the readable text (a line as SplitLines(mail.Readable()) gives it) that
// contains `needle` in any ASCII case: the offset in mail.Readable() where the first such line
// starting at or after `from` starts, or npos. `from` must be a line start (0, or a `next` of
// LineFrom). One search of the lower-cased text per call (a per-line search when the Mail was
// built without it or `needle` holds a line break).
size_t NextLineMentioning(const Mail& mail, std::string_view needle, size_t from);

// One row of a detector's table of its MTA's fixed messages: the text (matched in any case) and
// the reason it means.
struct ReasonPhrase {
  std::string_view text;
  std::string_view reason;
};

// Sets d.reason from the first of `phrases` that d.diagnostic contains (any case); leaves it as
// it is when none does.
void ApplyReasonPhrases(Delivery& d, std::span<const ReasonPhrase> phrases);

// A needle for HeadersMention, written as a literal: its longest word (LongestWord, which
// rules out most fields without decoding them) is worked out when it compiles.
struct FieldNeedle {
  consteval FieldNeedle(const char* literal)  // NOLINT: implicit, from the literal at each call
      : text(literal), word(LongestWord(text)) {}
  std::string_view text;
  std::string_view word;
};

// Whether any top-level field called `lower_name` (written in lower case, matched in any case)
// mentions `needle` (any case) in its value (Header::ValueMentions).
bool HeadersMention(const Mail& mail, std::string_view lower_name, FieldNeedle needle);

// The Received-field needles the detectors ask about (one bit each).
enum ReceivedNeedle : uint32_t {
  kReceivedExim = 1,              // "(Exim "
  kReceivedSmtpd32 = 2,           // "(SMTPD32" (IMail Server)
  kReceivedInvokedForBounce = 4,  // "invoked for bounce" (qmail)
};

// HeadersMention(mail, "received", <the needle's text>). While a DetectionScope for `mail` is
// open, the answers are kept, and the two needles that start with '(' are answered together by
// one walk of the Received fields (their words are compared at each '(' of a field's raw value).
bool ReceivedMentions(const Mail& mail, ReceivedNeedle needle);

// Factories, one per file under detectors/; registry.cc orders them.
std::unique_ptr<Detector> MakeArfDetector();
std::unique_ptr<Detector> MakeRfc3464Detector();
std::unique_ptr<Detector> MakeAmazonSesDetector();
std::unique_ptr<Detector> MakeGoogleGroupsDetector();
std::unique_ptr<Detector> MakeGmailDetector();
std::unique_ptr<Detector> MakeIMailServerDetector();
std::unique_ptr<Detector> MakeMcAfeeDetector();
std::unique_ptr<Detector> MakeEximDetector();
std::unique_ptr<Detector> MakePostfixDetector();
std::unique_ptr<Detector> MakeSendmailDetector();
std::unique_ptr<Detector> MakeQmailDetector();
std::unique_ptr<Detector> MakeExchangeDetector();
std::unique_ptr<Detector> MakeYahooDetector();
std::unique_ptr<Detector> MakeOutlookDetector();
std::unique_ptr<Detector> MakeRfc3834Detector();
std::unique_ptr<Detector> MakeGenericTextDetector();

}  // namespace bw::mail
