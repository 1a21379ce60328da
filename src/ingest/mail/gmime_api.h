// SPDX-License-Identifier: Apache-2.0
// Internal to bw_ingest_mail: GMime's API, loaded on first use. Include this instead of
// <gmime/gmime.h>. The binaries are not linked against GMime: loading GMime and the GLib stack it
// needs (GObject, GIO, GPGME, ~12 shared libraries) cost ≈ 40 % of the start of every command
// (docs/benchmarks.md, issue 6), and the fast MIME reader needs GMime only for the mails and
// header values it leaves to it. The functions bw_ingest_mail calls are renamed below (to
// bw_gmime_<name>, so they never clash with a real GLib in the same process); gmime_api.cc defines
// them to load libgmime-3.0.so.0 with dlopen the first time any of them is called and forward to
// it. LoadGMime() must have succeeded before any of them is called: when GMime cannot be loaded it
// returns an error value naming the library and the package (Debian's libgmime-3.0-0, installed by
// scripts/install-deps), and the callers answer without GMime (a mail the fast reader cannot take
// apart is then reported as not parsed, and ingest-mail keeps it for a retry).
// Add a function to both lists when mail.cc calls one that is not listed (the link fails
// otherwise: "undefined reference to g_mime_...").
#pragma once

// Casts to GMime types without GObject's run-time check (one call fewer per cast); the type tests
// (GMIME_IS_*) still go through GObject.
#ifndef G_DISABLE_CAST_CHECKS
#define G_DISABLE_CAST_CHECKS 1
#endif

#define g_ascii_strcasecmp bw_gmime_g_ascii_strcasecmp
#define g_ascii_strncasecmp bw_gmime_g_ascii_strncasecmp
#define g_free bw_gmime_g_free
#define g_mime_charset_iconv_name bw_gmime_g_mime_charset_iconv_name
#define g_mime_content_type_get_media_subtype bw_gmime_g_mime_content_type_get_media_subtype
#define g_mime_content_type_get_media_type bw_gmime_g_mime_content_type_get_media_type
#define g_mime_content_type_get_parameter bw_gmime_g_mime_content_type_get_parameter
#define g_mime_data_wrapper_write_to_stream bw_gmime_g_mime_data_wrapper_write_to_stream
#define g_mime_header_get_name bw_gmime_g_mime_header_get_name
#define g_mime_header_get_value bw_gmime_g_mime_header_get_value
#define g_mime_header_list_get_count bw_gmime_g_mime_header_list_get_count
#define g_mime_header_list_get_header_at bw_gmime_g_mime_header_list_get_header_at
#define g_mime_init bw_gmime_g_mime_init
#define g_mime_message_get_mime_part bw_gmime_g_mime_message_get_mime_part
#define g_mime_message_part_get_message bw_gmime_g_mime_message_part_get_message
#define g_mime_message_part_get_type bw_gmime_g_mime_message_part_get_type
#define g_mime_multipart_get_count bw_gmime_g_mime_multipart_get_count
#define g_mime_multipart_get_part bw_gmime_g_mime_multipart_get_part
#define g_mime_multipart_get_prologue bw_gmime_g_mime_multipart_get_prologue
#define g_mime_multipart_get_type bw_gmime_g_mime_multipart_get_type
#define g_mime_object_get_content_type bw_gmime_g_mime_object_get_content_type
#define g_mime_object_get_header_list bw_gmime_g_mime_object_get_header_list
#define g_mime_object_get_type bw_gmime_g_mime_object_get_type
#define g_mime_object_to_string bw_gmime_g_mime_object_to_string
#define g_mime_parser_construct_message bw_gmime_g_mime_parser_construct_message
#define g_mime_parser_new_with_stream bw_gmime_g_mime_parser_new_with_stream
#define g_mime_parser_set_format bw_gmime_g_mime_parser_set_format
#define g_mime_part_get_content bw_gmime_g_mime_part_get_content
#define g_mime_part_get_type bw_gmime_g_mime_part_get_type
#define g_mime_stream_mem_get_byte_array bw_gmime_g_mime_stream_mem_get_byte_array
#define g_mime_stream_mem_get_type bw_gmime_g_mime_stream_mem_get_type
#define g_mime_stream_mem_new bw_gmime_g_mime_stream_mem_new
#define g_mime_stream_mem_new_with_buffer bw_gmime_g_mime_stream_mem_new_with_buffer
#define g_mime_text_part_get_type bw_gmime_g_mime_text_part_get_type
#define g_mime_utils_header_decode_text bw_gmime_g_mime_utils_header_decode_text
#define g_mime_utils_header_unfold bw_gmime_g_mime_utils_header_unfold
#define g_object_unref bw_gmime_g_object_unref
#define g_type_check_instance_cast bw_gmime_g_type_check_instance_cast
#define g_type_check_instance_is_a bw_gmime_g_type_check_instance_is_a
#define g_utf8_validate bw_gmime_g_utf8_validate

#include <gmime/gmime.h>

#include "core/result.h"

namespace bw::mail::internal {

// Loads libgmime-3.0.so.0 and calls g_mime_init(), once per process (thread-safe); every later call
// returns the first call's answer. Unavailable with a one-line message when the library or one of
// its functions cannot be loaded; no GMime function may be called then (the process would stop).
Status LoadGMime();

// What LoadGMime does for the library `soname`, without the once and without g_mime_init(): for
// tests of the error (a library name that does not exist).
Status LoadGMimeLibrary(const char* soname);

// Whether libgmime-3.0 has been loaded in this process (for tests and benchmarks: the fast path
// should not need it for ordinary mails).
bool GMimeLoaded();

}  // namespace bw::mail::internal
