// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace bw {

// Ends the process now with exit status `code`, after flushing what a normal exit would write:
// std::cout, std::cerr, std::clog and every open stdio output stream (fflush(nullptr)), as
// exit() does. Unlike exit(), no atexit handler runs and no static object is destroyed: for a
// one-shot command whose static objects hold nothing to save (no database handle, log file or
// thread of their own), so the process does not touch their destructors' code and data just to
// free memory the kernel reclaims anyway. Flush errors are ignored, as exit() ignores them.
// REQUIRES: objects with automatic storage that must be destroyed (stores, files) are gone.
[[noreturn]] void FlushOutputAndExit(int code);

}  // namespace bw
