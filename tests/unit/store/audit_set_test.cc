// SPDX-License-Identifier: Apache-2.0
// The byte format of an import's audit set (store/sqlite/audit_set.h).
#include "store/sqlite/audit_set.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace bw::store::sqlite {
namespace {

TEST(AuditSetTest, EntriesRoundTripWithAddressAndNoteOnlyWhenTheyDiffer) {
  std::vector<AuditSetEntry> in = {
      {"a@x.org", "a@x.org", ""},
      {"jane@xn--bcher-kva.example", "Jane@bücher.example", "asked by phone"},
      {std::string(300, 'k'), "", std::string("note with \0 and \n", 17)},
  };
  std::string bytes = EncodeAuditSet(in);
  // The first entry: three one-byte lengths, the key, and nothing else.
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x07" "a@x.org", 8));
  EXPECT_EQ(bytes[8], '\0');
  EXPECT_EQ(bytes[9], '\0');
  auto out = DecodeAuditSet(bytes);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ((*out)[0].address, "a@x.org");
  EXPECT_EQ((*out)[1].address_key, in[1].address_key);
  EXPECT_EQ((*out)[1].address, in[1].address);
  EXPECT_EQ((*out)[1].note, in[1].note);
  EXPECT_EQ((*out)[2].address_key, in[2].address_key);
  EXPECT_EQ((*out)[2].address, in[2].address_key);  // empty address: the key
  EXPECT_EQ((*out)[2].note, in[2].note);
  EXPECT_TRUE(DecodeAuditSet("")->empty());
}

TEST(AuditSetTest, MalformedBytesAreRefused) {
  std::string good = EncodeAuditSet({{"a@x.org", "A@x.org", "n"}});
  for (size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_FALSE(DecodeAuditSet(good.substr(0, cut)).has_value()) << cut;
  }
  EXPECT_FALSE(DecodeAuditSet(std::string("\0\0\0", 3)).has_value());  // empty key
  EXPECT_FALSE(DecodeAuditSet(std::string(11, '\xff')).has_value());   // over-long varint
  // A length over the field limit, even with the bytes present.
  std::string huge = "\x81\x80\x04";  // 65537
  huge += std::string(65537, 'k') + std::string("\0\0", 2);
  EXPECT_FALSE(DecodeAuditSet(huge).has_value());
  // More entries than a part may hold.
  std::string many;
  std::string one = EncodeAuditSet({{"k", "", ""}});
  for (size_t i = 0; i <= kMaxAuditSetEntries; ++i) {
    many += one;
  }
  EXPECT_FALSE(DecodeAuditSet(many).has_value());
  many.resize(many.size() - one.size());
  EXPECT_EQ(DecodeAuditSet(many)->size(), kMaxAuditSetEntries);
}

}  // namespace
}  // namespace bw::store::sqlite
