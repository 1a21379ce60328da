// SPDX-License-Identifier: Apache-2.0
// Build step of bw_ingest_classify: analyses the reason patterns and priority phrases
// (reason_tables.h) once, as LiteralPrefilter would at every process start, and writes the
// result as C++ for reason.cc to compile in. Parsing ~60 long patterns cost ~5 M instructions
// (≈ 2 ms) in every `parse-mail` / `ingest-mail` process; building the tables from the result
// costs a sixth of that.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "ingest/classify/literal_prefilter.h"
#include "ingest/classify/reason_tables.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: reason_prefilter_gen OUTPUT.inc\n"
                 "Writes the analysis of the reason patterns (literals, alternatives) as C++.\n";
    return argc == 2 ? 0 : 64;
  }
  namespace rt = bw::ingest::reason_tables;
  const std::string text = bw::ingest::PrefilterAnalysisToCpp(
      bw::ingest::AnalyzePatterns(rt::PatternTexts(), /*split=*/true, rt::PhraseTexts()));
  {
    std::ifstream old(argv[1], std::ios::binary);
    std::stringstream buf;
    buf << old.rdbuf();
    if (old && buf.str() == text) {
      return 0;  // unchanged: keep its time stamp, nothing recompiles
    }
  }
  const std::string tmp = std::string(argv[1]) + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out || std::rename(tmp.c_str(), argv[1]) != 0) {
    std::cerr << "reason_prefilter_gen: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
