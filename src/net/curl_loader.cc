// SPDX-License-Identifier: Apache-2.0
// libcurl, loaded on first use. The binary is not linked against libcurl: these definitions of
// the libcurl functions bouncewatch calls (same names and signatures as <curl/curl.h>) load
// libcurl.so.4 with dlopen the first time any of them is called and forward to it. Loading
// libcurl pulls in about 30 shared libraries (GnuTLS, Kerberos, LDAP, SSH, ...) whose relocation
// and constructors cost more than half of the start of every command (docs/benchmarks.md,
// issue 5); only the commands that send mail, make HTTP requests or read IMAP/POP3 mailboxes
// pay for it now.
//
// When libcurl cannot be loaded, every function fails the way libcurl reports failure
// (curl_easy_init and curl_url return nullptr, the others CURLE_FAILED_INIT /
// CURLUE_OUT_OF_MEMORY) and curl_easy_strerror says why, so callers' existing error paths
// report it. Thread-safe: the library is loaded once (function-local static).
// Add a function here when new code calls one that is not listed (the link fails otherwise).
#include <dlfcn.h>

#include <cstdarg>
#include <string>

#include <curl/curl.h>

namespace {

constexpr const char* kLibcurl = "libcurl.so.4";  // the soname of Debian's libcurl4 packages

struct Libcurl {
  void* handle = nullptr;
  std::string error;  // why dlopen failed, for curl_easy_strerror
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  void (*free)(void*) = nullptr;
  CURLU* (*url)() = nullptr;
  void (*url_cleanup)(CURLU*) = nullptr;
  CURLUcode (*url_set)(CURLU*, CURLUPart, const char*, unsigned int) = nullptr;
  CURLUcode (*url_get)(CURLU*, CURLUPart, char**, unsigned int) = nullptr;
  const char* (*url_strerror)(CURLUcode) = nullptr;

  bool ok() const { return handle != nullptr; }
};

template <typename F>
bool Resolve(void* handle, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(handle, name));
  return out != nullptr;
}

Libcurl Load() {
  Libcurl l;
  void* h = dlopen(kLibcurl, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* why = dlerror();
    l.error = std::string("libcurl could not be loaded: ") + (why ? why : kLibcurl);
    return l;
  }
  const bool all = Resolve(h, "curl_global_init", l.global_init) &&
                   Resolve(h, "curl_easy_init", l.easy_init) &&
                   Resolve(h, "curl_easy_setopt", l.easy_setopt) &&
                   Resolve(h, "curl_easy_perform", l.easy_perform) &&
                   Resolve(h, "curl_easy_getinfo", l.easy_getinfo) &&
                   Resolve(h, "curl_easy_cleanup", l.easy_cleanup) &&
                   Resolve(h, "curl_easy_strerror", l.easy_strerror) &&
                   Resolve(h, "curl_slist_append", l.slist_append) &&
                   Resolve(h, "curl_slist_free_all", l.slist_free_all) &&
                   Resolve(h, "curl_free", l.free) && Resolve(h, "curl_url", l.url) &&
                   Resolve(h, "curl_url_cleanup", l.url_cleanup) &&
                   Resolve(h, "curl_url_set", l.url_set) &&
                   Resolve(h, "curl_url_get", l.url_get) &&
                   Resolve(h, "curl_url_strerror", l.url_strerror);
  if (!all) {
    const char* why = dlerror();
    l = Libcurl{};
    l.error = std::string("libcurl lacks a function bouncewatch needs: ") + (why ? why : kLibcurl);
    dlclose(h);
    return l;
  }
  l.handle = h;  // never closed: handles may live until exit
  return l;
}

const Libcurl& Lib() {
  static const Libcurl lib = Load();
  return lib;
}

}  // namespace

// The parentheses keep curl/typecheck-gcc.h's function-like macros from expanding.
extern "C" {

CURLcode(curl_global_init)(long flags) {
  return Lib().ok() ? Lib().global_init(flags) : CURLE_FAILED_INIT;
}

CURL*(curl_easy_init)() { return Lib().ok() ? Lib().easy_init() : nullptr; }

// libcurl reads the argument as the type the option's number range names (curl.h
// CURLOPTTYPE_*); read and forward it as that type.
CURLcode(curl_easy_setopt)(CURL* curl, CURLoption option, ...) {
  if (!Lib().ok()) {
    return CURLE_FAILED_INIT;
  }
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = Lib().easy_setopt(curl, option, va_arg(ap, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = Lib().easy_setopt(curl, option, va_arg(ap, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    using AnyFunction = void (*)();
    rc = Lib().easy_setopt(curl, option, va_arg(ap, AnyFunction));
  } else if (option < CURLOPTTYPE_BLOB) {
    rc = Lib().easy_setopt(curl, option, va_arg(ap, curl_off_t));
  } else {
    rc = Lib().easy_setopt(curl, option, va_arg(ap, void*));  // struct curl_blob*
  }
  va_end(ap);
  return rc;
}

CURLcode(curl_easy_perform)(CURL* curl) {
  return Lib().ok() ? Lib().easy_perform(curl) : CURLE_FAILED_INIT;
}

// Every CURLINFO_* takes a pointer to where the answer goes.
CURLcode(curl_easy_getinfo)(CURL* curl, CURLINFO info, ...) {
  if (!Lib().ok()) {
    return CURLE_FAILED_INIT;
  }
  va_list ap;
  va_start(ap, info);
  void* out = va_arg(ap, void*);
  va_end(ap);
  return Lib().easy_getinfo(curl, info, out);
}

void(curl_easy_cleanup)(CURL* curl) {
  if (Lib().ok()) {
    Lib().easy_cleanup(curl);
  }
}

const char*(curl_easy_strerror)(CURLcode code) {
  return Lib().ok() ? Lib().easy_strerror(code) : Lib().error.c_str();
}

curl_slist*(curl_slist_append)(curl_slist* list, const char* data) {
  return Lib().ok() ? Lib().slist_append(list, data) : nullptr;
}

void(curl_slist_free_all)(curl_slist* list) {
  if (Lib().ok()) {
    Lib().slist_free_all(list);
  }
}

void(curl_free)(void* p) {
  if (Lib().ok()) {
    Lib().free(p);
  }
}

CURLU*(curl_url)() { return Lib().ok() ? Lib().url() : nullptr; }

void(curl_url_cleanup)(CURLU* url) {
  if (Lib().ok()) {
    Lib().url_cleanup(url);
  }
}

CURLUcode(curl_url_set)(CURLU* url, CURLUPart what, const char* part, unsigned int flags) {
  return Lib().ok() ? Lib().url_set(url, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode(curl_url_get)(CURLU* url, CURLUPart what, char** part, unsigned int flags) {
  return Lib().ok() ? Lib().url_get(url, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

const char*(curl_url_strerror)(CURLUcode code) {
  return Lib().ok() ? Lib().url_strerror(code) : Lib().error.c_str();
}

}  // extern "C"
