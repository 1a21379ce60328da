// SPDX-License-Identifier: Apache-2.0
// GMime, loaded on first use (see gmime_api.h): each bw_gmime_<name> function below resolves
// <name> in libgmime-3.0.so.0 (and, through it, GObject and GLib) the first time it is called and
// forwards to it. Thread-safe: the library is loaded once (std::call_once in LoadGMime), each
// function pointer is a function-local static.
#include "ingest/mail/gmime_api.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace bw::mail::internal {
namespace {

constexpr const char* kLibGMime = "libgmime-3.0.so.0";  // the soname of Debian's libgmime-3.0-0

std::atomic<bool> loaded{false};
void* handle = nullptr;  // set once by LoadGMime before any forwarder can run

Status Open(const char* soname, void** out) {
  void* h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* why = dlerror();
    return Unavailable(std::string("cannot load GMime (") + (why != nullptr ? why : soname) +
                       "): install Debian's libgmime-3.0-0 (scripts/install-deps)");
  }
  if (dlsym(h, "g_mime_init") == nullptr) {
    dlclose(h);
    return Unavailable(std::string(soname) + " is not GMime 3: it lacks g_mime_init");
  }
  *out = h;
  return {};
}

// A forwarder called before LoadGMime succeeded is a bug in this module: stop with a message.
void* Symbol(const char* name) {
  void* f = handle != nullptr ? dlsym(handle, name) : nullptr;
  if (f == nullptr) {
    std::fprintf(stderr, "bouncewatch: %s: %s %s\n", kLibGMime,
                 handle != nullptr ? "lacks" : "not loaded (LoadGMime) before calling", name);
    std::abort();
  }
  return f;
}

}  // namespace

Status LoadGMimeLibrary(const char* soname) {
  void* h = nullptr;
  Status s = Open(soname, &h);
  if (s) {
    dlclose(h);
  }
  return s;
}

Status LoadGMime() {
  static Status status;
  static std::once_flag once;
  std::call_once(once, [] {
    status = Open(kLibGMime, &handle);
    if (status) {
      g_mime_init();
      loaded = true;
    }
  });
  return status;
}

bool GMimeLoaded() { return loaded; }

}  // namespace bw::mail::internal

// `fn` is the renamed function (bw_gmime_<name>); #fn is <name>, the symbol in the library.
#define BW_GMIME_FORWARD(ret, fn, params, args)                                              \
  ret fn params {                                                                            \
    static const auto real = reinterpret_cast<decltype(&fn)>(bw::mail::internal::Symbol(#fn)); \
    return real args;                                                                        \
  }

BW_GMIME_FORWARD(gint, g_ascii_strcasecmp, (const gchar* a, const gchar* b), (a, b))
BW_GMIME_FORWARD(gint, g_ascii_strncasecmp, (const gchar* a, const gchar* b, gsize n), (a, b, n))
BW_GMIME_FORWARD(void, g_free, (gpointer mem), (mem))
BW_GMIME_FORWARD(const char*, g_mime_charset_iconv_name, (const char* charset), (charset))
BW_GMIME_FORWARD(const char*, g_mime_content_type_get_media_subtype, (GMimeContentType * ct),
                 (ct))
BW_GMIME_FORWARD(const char*, g_mime_content_type_get_media_type, (GMimeContentType * ct), (ct))
BW_GMIME_FORWARD(const char*, g_mime_content_type_get_parameter,
                 (GMimeContentType * ct, const char* name), (ct, name))
BW_GMIME_FORWARD(ssize_t, g_mime_data_wrapper_write_to_stream,
                 (GMimeDataWrapper * wrapper, GMimeStream* stream), (wrapper, stream))
BW_GMIME_FORWARD(const char*, g_mime_header_get_name, (GMimeHeader * h), (h))
BW_GMIME_FORWARD(const char*, g_mime_header_get_value, (GMimeHeader * h), (h))
BW_GMIME_FORWARD(int, g_mime_header_list_get_count, (GMimeHeaderList * list), (list))
BW_GMIME_FORWARD(GMimeHeader*, g_mime_header_list_get_header_at, (GMimeHeaderList * list, int i),
                 (list, i))
BW_GMIME_FORWARD(void, g_mime_init, (void), ())
BW_GMIME_FORWARD(GMimeObject*, g_mime_message_get_mime_part, (GMimeMessage * m), (m))
BW_GMIME_FORWARD(GMimeMessage*, g_mime_message_part_get_message, (GMimeMessagePart * p), (p))
BW_GMIME_FORWARD(GType, g_mime_message_part_get_type, (void), ())
BW_GMIME_FORWARD(int, g_mime_multipart_get_count, (GMimeMultipart * mp), (mp))
BW_GMIME_FORWARD(GMimeObject*, g_mime_multipart_get_part, (GMimeMultipart * mp, int i), (mp, i))
BW_GMIME_FORWARD(const char*, g_mime_multipart_get_prologue, (GMimeMultipart * mp), (mp))
BW_GMIME_FORWARD(GType, g_mime_multipart_get_type, (void), ())
BW_GMIME_FORWARD(GMimeContentType*, g_mime_object_get_content_type, (GMimeObject * o), (o))
BW_GMIME_FORWARD(GMimeHeaderList*, g_mime_object_get_header_list, (GMimeObject * o), (o))
BW_GMIME_FORWARD(GType, g_mime_object_get_type, (void), ())
BW_GMIME_FORWARD(char*, g_mime_object_to_string, (GMimeObject * o, GMimeFormatOptions* f), (o, f))
BW_GMIME_FORWARD(GMimeMessage*, g_mime_parser_construct_message,
                 (GMimeParser * p, GMimeParserOptions* o), (p, o))
BW_GMIME_FORWARD(GMimeParser*, g_mime_parser_new_with_stream, (GMimeStream * s), (s))
BW_GMIME_FORWARD(void, g_mime_parser_set_format, (GMimeParser * p, GMimeFormat f), (p, f))
BW_GMIME_FORWARD(GMimeDataWrapper*, g_mime_part_get_content, (GMimePart * p), (p))
BW_GMIME_FORWARD(GType, g_mime_part_get_type, (void), ())
BW_GMIME_FORWARD(GByteArray*, g_mime_stream_mem_get_byte_array, (GMimeStreamMem * m), (m))
BW_GMIME_FORWARD(GType, g_mime_stream_mem_get_type, (void), ())
BW_GMIME_FORWARD(GMimeStream*, g_mime_stream_mem_new, (void), ())
BW_GMIME_FORWARD(GMimeStream*, g_mime_stream_mem_new_with_buffer, (const char* buf, size_t len),
                 (buf, len))
BW_GMIME_FORWARD(GType, g_mime_text_part_get_type, (void), ())
BW_GMIME_FORWARD(char*, g_mime_utils_header_decode_text, (GMimeParserOptions * o, const char* t),
                 (o, t))
BW_GMIME_FORWARD(char*, g_mime_utils_header_unfold, (const char* value), (value))
BW_GMIME_FORWARD(void, g_object_unref, (gpointer object), (object))
BW_GMIME_FORWARD(GTypeInstance*, g_type_check_instance_cast, (GTypeInstance * i, GType t), (i, t))
BW_GMIME_FORWARD(gboolean, g_type_check_instance_is_a, (GTypeInstance * i, GType t), (i, t))
BW_GMIME_FORWARD(gboolean, g_utf8_validate, (const gchar* s, gssize n, const gchar** end),
                 (s, n, end))
