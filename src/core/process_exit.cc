// SPDX-License-Identifier: Apache-2.0
#include "core/process_exit.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace bw {

void FlushOutputAndExit(int code) {
  // The iostreams first: they write into the stdio buffers when synchronized with stdio (the
  // default) and into their own buffers otherwise.
  std::cout.flush();
  std::clog.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

}  // namespace bw
