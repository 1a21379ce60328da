// SPDX-License-Identifier: Apache-2.0
// libcrypto, loaded on first use (see libcrypto.h): these definitions of the libcrypto functions
// bouncewatch calls have the names and signatures of the OpenSSL 3 headers (the compiler checks
// each against its declaration: `decltype(&::name)`), load libcrypto.so.3 with dlopen the first
// time any of them is called, and forward to it. libcurl, loaded the same way
// (net/curl_loader.cc), links the same libcrypto.so.3, so a process holds one copy.
//
// When libcrypto.so.3 cannot be loaded or lacks a function, the first call prints why and aborts:
// the commands that need libcrypto call EnsureLibcrypto at start and fail cleanly instead.
// Thread-safe: the library and each function are resolved once (function-local statics).
#include <dlfcn.h>

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/libcrypto.h"

namespace {

constexpr const char* kLibcrypto = "libcrypto.so.3";  // the soname of Debian's libssl3

struct Library {
  void* handle = nullptr;
  std::string error;  // why dlopen failed
};

const Library& Lib() {
  static const Library lib = [] {
    Library l;
    l.handle = dlopen(kLibcrypto, RTLD_NOW | RTLD_LOCAL);
    if (l.handle == nullptr) {
      const char* why = dlerror();
      l.error = std::string("libcrypto could not be loaded: ") + (why != nullptr ? why : kLibcrypto);
    }
    return l;  // never closed: its objects live until exit
  }();
  return lib;
}

void* Symbol(const char* name, std::string* error) {
  const Library& l = Lib();
  if (l.handle == nullptr) {
    *error = l.error;
    return nullptr;
  }
  void* p = dlsym(l.handle, name);
  if (p == nullptr) {
    *error = std::string(kLibcrypto) + " lacks " + name + ", which bouncewatch needs";
  }
  return p;
}

template <typename F>
F Resolve(const char* name) {
  std::string error;
  void* p = Symbol(name, &error);
  if (p == nullptr) {
    std::fprintf(stderr, "bouncewatch: %s\n", error.c_str());
    std::abort();
  }
  return reinterpret_cast<F>(p);
}

}  // namespace

// X(return type, name, parameters, arguments): every non-variadic libcrypto function called.
#define BW_LIBCRYPTO_FUNCTIONS(X)                                                                \
  X(int, ASN1_INTEGER_set, (ASN1_INTEGER * a, long v), (a, v))                                   \
  X(int, ASN1_STRING_to_UTF8, (unsigned char** out, const ASN1_STRING* in), (out, in))           \
  X(ASN1_TIME*, ASN1_TIME_set, (ASN1_TIME * s, time_t t), (s, t))                                \
  X(int, ASN1_TIME_to_tm, (const ASN1_TIME* s, struct tm* tm), (s, tm))                          \
  X(long, BIO_ctrl, (BIO * bp, int cmd, long larg, void* parg), (bp, cmd, larg, parg))           \
  X(int, BIO_free, (BIO * a), (a))                                                               \
  X(BIO*, BIO_new, (const BIO_METHOD* type), (type))                                             \
  X(BIO*, BIO_new_mem_buf, (const void* buf, int len), (buf, len))                               \
  X(const BIO_METHOD*, BIO_s_mem, (void), ())                                                    \
  X(void, CRYPTO_free, (void* ptr, const char* file, int line), (ptr, file, line))               \
  X(int, CRYPTO_memcmp, (const void* a, const void* b, size_t len), (a, b, len))                 \
  X(void, ERR_clear_error, (void), ())                                                           \
  X(void, ERR_error_string_n, (unsigned long e, char* buf, size_t len), (e, buf, len))           \
  X(unsigned long, ERR_get_error, (void), ())                                                    \
  X(int, EVP_Digest,                                                                             \
    (const void* data, size_t count, unsigned char* md, unsigned int* size, const EVP_MD* type,  \
     ENGINE* impl),                                                                              \
    (data, count, md, size, type, impl))                                                         \
  X(int, EVP_DigestSign,                                                                         \
    (EVP_MD_CTX * ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs,             \
     size_t tbslen),                                                                             \
    (ctx, sig, siglen, tbs, tbslen))                                                             \
  X(int, EVP_DigestSignInit,                                                                     \
    (EVP_MD_CTX * ctx, EVP_PKEY_CTX * *pctx, const EVP_MD* type, ENGINE* e, EVP_PKEY* pkey),     \
    (ctx, pctx, type, e, pkey))                                                                  \
  X(int, EVP_DigestVerify,                                                                       \
    (EVP_MD_CTX * ctx, const unsigned char* sig, size_t siglen, const unsigned char* tbs,        \
     size_t tbslen),                                                                             \
    (ctx, sig, siglen, tbs, tbslen))                                                             \
  X(int, EVP_DigestVerifyInit,                                                                   \
    (EVP_MD_CTX * ctx, EVP_PKEY_CTX * *pctx, const EVP_MD* type, ENGINE* e, EVP_PKEY* pkey),     \
    (ctx, pctx, type, e, pkey))                                                                  \
  X(int, EVP_EncodeBlock, (unsigned char* t, const unsigned char* f, int n), (t, f, n))          \
  X(int, EVP_MD_CTX_copy_ex, (EVP_MD_CTX * out, const EVP_MD_CTX* in), (out, in))                \
  X(void, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))                                            \
  X(EVP_MD_CTX*, EVP_MD_CTX_new, (void), ())                                                     \
  X(void, EVP_MD_CTX_set_flags, (EVP_MD_CTX * ctx, int flags), (ctx, flags))                     \
  X(int, EVP_PKEY_CTX_set_rsa_padding, (EVP_PKEY_CTX * ctx, int pad_mode), (ctx, pad_mode))      \
  X(void, EVP_PKEY_free, (EVP_PKEY * pkey), (pkey))                                              \
  X(int, EVP_PKEY_get_base_id, (const EVP_PKEY* pkey), (pkey))                                   \
  X(int, EVP_PKEY_get_bits, (const EVP_PKEY* pkey), (pkey))                                      \
  X(const EVP_MD*, EVP_sha1, (void), ())                                                         \
  X(const EVP_MD*, EVP_sha256, (void), ())                                                       \
  X(unsigned char*, HMAC,                                                                        \
    (const EVP_MD* md, const void* key, int key_len, const unsigned char* data, size_t data_len, \
     unsigned char* out, unsigned int* out_len),                                                 \
    (md, key, key_len, data, data_len, out, out_len))                                            \
  X(EVP_PKEY*, PEM_read_bio_PrivateKey, (BIO * bp, EVP_PKEY** x, pem_password_cb* cb, void* u),  \
    (bp, x, cb, u))                                                                              \
  X(X509*, PEM_read_bio_X509, (BIO * bp, X509** x, pem_password_cb* cb, void* u), (bp, x, cb, u)) \
  X(int, PEM_write_bio_PrivateKey,                                                               \
    (BIO * bp, const EVP_PKEY* x, const EVP_CIPHER* enc, const unsigned char* kstr, int klen,    \
     pem_password_cb* cb, void* u),                                                              \
    (bp, x, enc, kstr, klen, cb, u))                                                             \
  X(int, PEM_write_bio_X509, (BIO * bp, const X509* x), (bp, x))                                 \
  X(int, RAND_bytes, (unsigned char* buf, int num), (buf, num))                                  \
  X(unsigned char*, SHA256, (const unsigned char* d, size_t n, unsigned char* md), (d, n, md))   \
  X(ASN1_STRING*, X509_NAME_ENTRY_get_data, (const X509_NAME_ENTRY* ne), (ne))                   \
  X(int, X509_NAME_add_entry_by_txt,                                                             \
    (X509_NAME * name, const char* field, int type, const unsigned char* bytes, int len, int loc, \
     int set),                                                                                   \
    (name, field, type, bytes, len, loc, set))                                                   \
  X(X509_NAME_ENTRY*, X509_NAME_get_entry, (const X509_NAME* name, int loc), (name, loc))        \
  X(int, X509_NAME_get_index_by_NID, (const X509_NAME* name, int nid, int lastpos),              \
    (name, nid, lastpos))                                                                        \
  X(int, X509_check_host,                                                                        \
    (X509 * x, const char* chk, size_t chklen, unsigned int flags, char** peername),             \
    (x, chk, chklen, flags, peername))                                                           \
  X(void, X509_free, (X509 * a), (a))                                                            \
  X(const ASN1_TIME*, X509_get0_notAfter, (const X509* x), (x))                                  \
  X(const ASN1_TIME*, X509_get0_notBefore, (const X509* x), (x))                                 \
  X(EVP_PKEY*, X509_get_pubkey, (X509 * x), (x))                                                 \
  X(ASN1_INTEGER*, X509_get_serialNumber, (X509 * x), (x))                                       \
  X(X509_NAME*, X509_get_subject_name, (const X509* a), (a))                                     \
  X(ASN1_TIME*, X509_getm_notAfter, (const X509* x), (x))                                        \
  X(ASN1_TIME*, X509_getm_notBefore, (const X509* x), (x))                                       \
  X(ASN1_TIME*, X509_gmtime_adj, (ASN1_TIME * s, long adj), (s, adj))                            \
  X(X509*, X509_new, (void), ())                                                                 \
  X(int, X509_set_issuer_name, (X509 * x, const X509_NAME* name), (x, name))                     \
  X(int, X509_set_pubkey, (X509 * x, EVP_PKEY* pkey), (x, pkey))                                 \
  X(int, X509_set_version, (X509 * x, long version), (x, version))                               \
  X(int, X509_sign, (X509 * x, EVP_PKEY* pkey, const EVP_MD* md), (x, pkey, md))

// The parentheses around the name keep function-like macros of the same name from expanding.
#define BW_FORWARD(ret, name, params, args)                            \
  ret(name) params {                                                   \
    static const auto fn = Resolve<decltype(&::name)>(#name);          \
    return fn args;                                                    \
  }
#define BW_NAME(ret, name, params, args) #name,

extern "C" {

BW_LIBCRYPTO_FUNCTIONS(BW_FORWARD)

// Variadic: the arguments after `type` depend on the key type (EVP_PKEY_Q_keygen(3)): a size_t
// bit count for "RSA" and "RSA-PSS" (EVP_RSA_gen), a curve name for "EC", none for the others.
EVP_PKEY*(EVP_PKEY_Q_keygen)(OSSL_LIB_CTX* libctx, const char* propq, const char* type, ...) {
  static const auto fn = Resolve<decltype(&::EVP_PKEY_Q_keygen)>("EVP_PKEY_Q_keygen");
  va_list ap;
  va_start(ap, type);
  EVP_PKEY* key;
  if (std::strcmp(type, "RSA") == 0 || std::strcmp(type, "RSA-PSS") == 0) {
    key = fn(libctx, propq, type, va_arg(ap, size_t));
  } else if (std::strcmp(type, "EC") == 0) {
    key = fn(libctx, propq, type, va_arg(ap, char*));
  } else {
    key = fn(libctx, propq, type);
  }
  va_end(ap);
  return key;
}

}  // extern "C"

namespace bw::crypto {

Status EnsureLibcrypto() {
  static constexpr const char* kNames[] = {BW_LIBCRYPTO_FUNCTIONS(BW_NAME) "EVP_PKEY_Q_keygen"};
  for (const char* name : kNames) {
    std::string error;
    if (Symbol(name, &error) == nullptr) {
      return Unavailable(error);
    }
  }
  return {};
}

bool LibcryptoIsLazy() { return true; }

}  // namespace bw::crypto
