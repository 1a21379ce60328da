// SPDX-License-Identifier: Apache-2.0
// crypto/libcrypto.h: built twice (CMakeLists.txt). With the lazy loader, libcrypto.so.3 is not
// in the process until the first call, and every forwarding kind (plain, void, variadic,
// pointer results) reaches the real library; with OpenSSL::Crypto the same answers.
#include "crypto/libcrypto.h"

#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "testing/loaded_objects.h"

namespace bw::crypto {
namespace {

bool LibcryptoMapped() { return testing::SharedObjectLoaded("libcrypto.so"); }

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

// Runs first (gtest keeps the order of a file's tests): nothing has called libcrypto yet.
TEST(LibcryptoTest, LoadedOnlyOnFirstUseWhenLazy) {
  EXPECT_EQ(LibcryptoIsLazy(), BW_EXPECT_LAZY == 1);
  if (LibcryptoIsLazy()) {
    EXPECT_FALSE(LibcryptoMapped()) << "libcrypto.so.3 loaded before any call";
  }
  const unsigned char abc[] = {'a', 'b', 'c'};
  unsigned char md[SHA256_DIGEST_LENGTH];
  ASSERT_NE(SHA256(abc, sizeof(abc), md), nullptr);
  EXPECT_EQ(Hex(md, sizeof(md)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  if (LibcryptoIsLazy()) {
    EXPECT_TRUE(LibcryptoMapped());
  }
  EXPECT_TRUE(EnsureLibcrypto().has_value());
}

TEST(LibcryptoTest, DigestsAndMacsMatchKnownVectors) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest("abc", 3, md, &len, EVP_sha1(), nullptr), 1);
  EXPECT_EQ(Hex(md, len), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // RFC 4231, test case 2.
  const std::string_view data = "what do ya want for nothing?";
  ASSERT_NE(HMAC(EVP_sha256(), "Jefe", 4, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size(), md, &len),
            nullptr);
  EXPECT_EQ(Hex(md, len), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(CRYPTO_memcmp("abcd", "abce", 3), 0);
  EXPECT_NE(CRYPTO_memcmp("abcd", "abce", 4), 0);
}

// The variadic EVP_PKEY_Q_keygen (EVP_RSA_gen), signing and verifying, PEM through a memory BIO
// (BIO_ctrl behind BIO_get_mem_data), and an error from the library's queue.
TEST(LibcryptoTest, KeysSignaturesPemAndErrors) {
  EVP_PKEY* key = EVP_RSA_gen(1024);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 1024);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_RSA);

  const unsigned char msg[] = "message";
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  std::array<unsigned char, 256> sig{};
  size_t sig_len = sig.size();
  ASSERT_EQ(EVP_DigestSign(ctx, sig.data(), &sig_len, msg, sizeof(msg)), 1);
  EVP_MD_CTX_free(ctx);
  ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, sig.data(), sig_len, msg, sizeof(msg)), 1);
  sig[0] ^= 1;
  EXPECT_NE(EVP_DigestVerify(ctx, sig.data(), sig_len, msg, sizeof(msg)), 1);
  EVP_MD_CTX_free(ctx);

  BIO* out = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* pem = nullptr;
  const long pem_len = BIO_get_mem_data(out, &pem);
  ASSERT_GT(pem_len, 0);
  EXPECT_EQ(std::string_view(pem, 27), "-----BEGIN PRIVATE KEY-----");
  BIO* in = BIO_new_mem_buf(pem, static_cast<int>(pem_len));
  EVP_PKEY* again = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(again), 1024);
  EVP_PKEY_free(again);
  BIO_free(in);
  BIO_free(out);
  EVP_PKEY_free(key);

  ERR_clear_error();
  BIO* garbage = BIO_new_mem_buf("not a certificate", -1);
  EXPECT_EQ(PEM_read_bio_X509(garbage, nullptr, nullptr, nullptr), nullptr);
  const unsigned long err = ERR_get_error();
  EXPECT_NE(err, 0u);
  char text[256];
  ERR_error_string_n(err, text, sizeof(text));
  EXPECT_NE(std::string_view(text).find("PEM"), std::string_view::npos) << text;
  BIO_free(garbage);
}

}  // namespace
}  // namespace bw::crypto
