// SPDX-License-Identifier: Apache-2.0
#include "ingest/mail/mail_files.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace bw::mail {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::vector<std::string> Strings(const MailFileList& list) {
  std::vector<std::string> out;
  for (size_t i = 0; i < list.size(); ++i) {
    out.emplace_back(list[i]);
  }
  return out;
}

TEST(MailFileListTest, KeepsEveryPathInPlaceAndNulTerminatedAcrossBlocks) {
  MailFileList list;
  EXPECT_TRUE(list.empty());
  std::vector<std::string> want;
  std::vector<const char*> where;
  // ≈ 300 KiB of paths: several blocks, some paths given whole and some as directory + name.
  for (size_t i = 0; i < 6000; ++i) {
    const std::string dir = std::string("/srv/mail/").append(i % 40, 'd') + std::to_string(i % 7);
    const std::string name = std::string("m").append(std::to_string(i)).append(".eml");
    if (i % 3 == 0) {
      list.Append(dir + "/" + name);
    } else {
      list.Append(dir, name);
    }
    want.push_back(dir + "/" + name);
    where.push_back(list.c_str(i));
    if (i % 5 == 4) {  // appended, taken back and appended again, as Walk does for directories
      list.PopBack();
      list.Append(dir, name);
      where.back() = list.c_str(i);
    }
  }
  const std::string huge(100 << 10, 'h');  // longer than a block
  list.Append(huge, "x");
  want.push_back(huge + "/x");
  where.push_back(list.c_str(want.size() - 1));
  list.Append("/after");
  want.push_back("/after");
  where.push_back(list.c_str(want.size() - 1));

  ASSERT_EQ(list.size(), want.size());
  EXPECT_FALSE(list.empty());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(list[i], want[i]) << i;
    EXPECT_EQ(list.name_offset(i), want[i].rfind('/') + 1) << i;
    EXPECT_EQ(list.c_str(i), where[i]) << i;  // not moved by later appends
    EXPECT_EQ(std::strlen(list.c_str(i)), want[i].size()) << i;
  }
  MailFileList moved = std::move(list);
  ASSERT_EQ(moved.size(), want.size());
  EXPECT_EQ(moved.c_str(7), where[7]);
  moved.Append("x", "y");
  EXPECT_EQ(moved[want.size()], "x/y");
  EXPECT_EQ(moved.name_offset(want.size()), 2u);
  moved.Append("plain");
  EXPECT_EQ(moved.name_offset(want.size() + 1), 0u);
  moved.Append("", "root");
  EXPECT_EQ(moved[want.size() + 2], "/root");
  EXPECT_EQ(moved.name_offset(want.size() + 2), 1u);
  EXPECT_EQ(moved[0], want[0]);
}

// ListMailFiles of `root` lists exactly `files`, in the order std::filesystem::path sorts them
// (the names as byte strings), and reports nothing missing.
void ExpectListedInPathOrder(const fs::path& root, std::vector<fs::path> files) {
  std::sort(files.begin(), files.end());
  std::vector<std::string> want;
  for (const auto& p : files) {
    want.push_back(p.string());
  }
  std::vector<std::string> missing;
  EXPECT_EQ(Strings(ListMailFiles({root.string()}, &missing)), want);
  EXPECT_TRUE(missing.empty());
}

TEST(ListMailFilesTest, WalksDirectoriesRecursivelyInPathOrder) {
  testing::TempDir tmp;
  const std::string root = tmp.path().string();
  Write(tmp.path() / "b.eml", "b");
  Write(tmp.path() / "a-b.eml", "x");  // '-' sorts before '/': still after the a/ directory
  Write(tmp.path() / "a" / "z.eml", "z");
  Write(tmp.path() / "a" / "deeper" / "c.eml", "c");
  Write(tmp.path() / ".hidden", "h");
  fs::create_directories(tmp.path() / "empty");

  std::vector<std::string> missing;
  std::vector<std::string> files = Strings(ListMailFiles({root + "/"}, &missing));

  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(files,
            (std::vector<std::string>{root + "/.hidden", root + "/a/deeper/c.eml",
                                      root + "/a/z.eml", root + "/a-b.eml", root + "/b.eml"}));
}

// Names made of the bytes around '/' and of prefixes of each other, nested three deep: the
// listing is the order std::filesystem::path gives the same files (element by element).
TEST(ListMailFilesTest, OrderIsThePathOrderForNamesAroundTheSlashByte) {
  testing::TempDir tmp;
  const std::vector<std::string> names = {"a",  "a-b", "a.b",  "a0",        "a b", "a!",
                                          "aa", "A",   "\xff", "a\xc3\xa9", "-",   "0"};
  std::vector<fs::path> expected;
  for (size_t i = 0; i < names.size(); ++i) {
    // Alternate files and directories under each name, two levels of directories.
    const fs::path top = tmp.path() / names[i];
    if (i % 3 == 0) {
      Write(top, "f");
      expected.push_back(top);
      continue;
    }
    for (size_t j = 0; j < names.size(); j += 1 + i % 4) {
      const fs::path mid = top / names[j];
      if (j % 2 == 0) {
        Write(mid, "f");
        expected.push_back(mid);
      } else {
        Write(mid / names[(i + j) % names.size()], "f");
        expected.push_back(mid / names[(i + j) % names.size()]);
      }
    }
  }
  ExpectListedInPathOrder(tmp.path(), expected);
}

// Names that share their first 8 or 16 bytes and differ (or end) just before, at or after them,
// with bytes above 0x7f there, and a subdirectory among them: the listing is the order
// std::filesystem::path gives the same files (the names sorted as byte strings).
TEST(ListMailFilesTest, SortsNamesThatShareLongPrefixesAsByteStrings) {
  testing::TempDir tmp;
  const std::string p8 = "lhost-ac";
  const std::string p16 = "lhost-activehunt";
  const std::vector<std::string> names = {p8.substr(0, 7),
                                          p8,
                                          p8 + "a",
                                          p8 + "\x80",
                                          p8 + "\xff-01.eml",
                                          p8 + "\x7f",
                                          p16.substr(0, 15),
                                          p16.substr(0, 15) + "\xe9",
                                          p16,
                                          p16 + "er-01.eml",
                                          p16 + "er-02.eml",
                                          p16 + "er-1",
                                          p16 + "\xc3",
                                          p16 + "a",
                                          "lhost-b",
                                          "\xfflhost-activehunter-01.eml",
                                          "lhost-activehunter-01.em"};
  std::vector<fs::path> expected;
  for (const auto& n : names) {
    Write(tmp.path() / n, "f");
    expected.push_back(tmp.path() / n);
  }
  for (const std::string n : {"er-10.eml", "er-2.eml"}) {
    Write(tmp.path() / (p16 + "er-01") / (p16 + n), "d");
    expected.push_back(tmp.path() / (p16 + "er-01") / (p16 + n));
  }
  ExpectListedInPathOrder(tmp.path(), expected);
}

TEST(ListMailFilesTest, KeepsInputOrderAndReportsWhatIsMissing) {
  testing::TempDir tmp;
  const std::string root = tmp.path().string();
  Write(tmp.path() / "d" / "2.eml", "2");
  Write(tmp.path() / "1.eml", "1");
  fs::create_symlink(tmp.path() / "1.eml", tmp.path() / "d" / "link.eml");
  // Not listed: a link to a directory (not followed), a dangling link.
  fs::create_directory_symlink(tmp.path() / "d", tmp.path() / "d" / "loop");
  fs::create_symlink(tmp.path() / "gone.eml", tmp.path() / "d" / "dangling.eml");

  std::vector<std::string> missing;
  std::vector<std::string> files =
      Strings(ListMailFiles({root + "/d", root + "/nope", root + "/1.eml"}, &missing));

  EXPECT_EQ(files,
            (std::vector<std::string>{root + "/d/2.eml", root + "/d/link.eml", root + "/1.eml"}));
  EXPECT_EQ(missing, std::vector<std::string>{root + "/nope"});
}

TEST(MailFileReaderTest, ReadsWholeFilesOfAnySizeIntoItsBuffer) {
  testing::TempDir tmp;
  std::string big(700 * 1024, 'x');  // larger than the first buffer: grows and reads on
  big[0] = 'A';
  big.back() = 'Z';
  Write(tmp.path() / "big.eml", big);
  Write(tmp.path() / "small.eml", "Subject: hi\n\nbody\n");
  Write(tmp.path() / "empty.eml", "");

  MailFileReader reader;
  std::string_view bytes;
  ASSERT_TRUE(reader.Read((tmp.path() / "big.eml").c_str(), &bytes));
  EXPECT_EQ(bytes, big);
  ASSERT_TRUE(reader.Read((tmp.path() / "small.eml").c_str(), &bytes));
  EXPECT_EQ(bytes, "Subject: hi\n\nbody\n");
  ASSERT_TRUE(reader.Read((tmp.path() / "empty.eml").c_str(), &bytes));
  EXPECT_TRUE(bytes.empty());
  EXPECT_FALSE(reader.Read((tmp.path() / "missing.eml").c_str(), &bytes));
}

// Files around the reader's chunk and batch sizes, a missing one in the middle.
struct ReadAtFixture {
  testing::TempDir tmp;
  MailFileList files;
  std::vector<std::string> contents;  // "" for the missing file

  ReadAtFixture() {
    const size_t chunk = MailFileReader::kChunk;
    const std::vector<size_t> sizes = {0,         1, chunk - 1, chunk, chunk + 1, 3 * chunk + 7,
                                       700 * 1024};
    for (size_t i = 0; i < 2 * MailFileReader::kBatch + 5; ++i) {
      std::string bytes(i < sizes.size() ? sizes[i] : 100 + i * 37, 'a');
      for (size_t j = 0; j < bytes.size(); ++j) {
        bytes[j] = static_cast<char>('a' + (i + j * 7) % 26);  // no two files alike
      }
      std::string path = (tmp.path() / ("m" + std::to_string(1000 + i) + ".eml")).string();
      if (i == MailFileReader::kBatch + 2) {
        bytes.clear();  // listed, but gone when it is read
      } else {
        Write(path, bytes);
      }
      files.Append(path);
      contents.push_back(bytes);
    }
  }

  // Reads every file with ReadAt as parse-mail does; "" + a note for failures.
  std::vector<std::string> ReadAll(MailFileReader& reader, std::vector<int>* errors) {
    std::vector<std::string> got;
    for (size_t i = 0; i < files.size(); ++i) {
      std::string_view bytes;
      errno = 0;
      if (reader.ReadAt(files, i, files.size(), &bytes)) {
        got.emplace_back(bytes);
        errors->push_back(0);
      } else {
        got.emplace_back();
        errors->push_back(errno);
      }
    }
    return got;
  }
};

TEST(MailFileReaderTest, ReadAtGivesTheSameBytesAndErrorsWithAndWithoutIoUring) {
  ReadAtFixture f;
  const size_t gone = MailFileReader::kBatch + 2;
  for (auto mode : {MailFileReader::Mode::kAuto, MailFileReader::Mode::kPlain}) {
    MailFileReader reader(mode);
    std::vector<int> errors;
    std::vector<std::string> got = f.ReadAll(reader, &errors);
    ASSERT_EQ(got.size(), f.files.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i], f.contents[i]) << f.files[i];
      EXPECT_EQ(errors[i], i == gone ? ENOENT : 0) << f.files[i];
    }
    if (mode == MailFileReader::Mode::kPlain) {
      EXPECT_FALSE(reader.uses_io_uring());
    }
    std::cout << "reader mode " << (mode == MailFileReader::Mode::kAuto ? "auto" : "plain")
              << ": io_uring " << (reader.uses_io_uring() ? "used" : "not used") << "\n";
  }
}

TEST(MailFileReaderTest, TwoReadersOfOneThreadReadAtOnceEachItsOwnBytes) {
  // The first reader's chunks are the thread's block; the second, alive at the same time, maps
  // its own; a third, after both, takes the thread's again.
  ReadAtFixture f;
  std::vector<int> errors;
  {
    MailFileReader a;
    MailFileReader b;
    for (size_t i = 0; i < f.files.size(); ++i) {
      std::string_view from_a;
      std::string_view from_b;
      const bool ok_a = a.ReadAt(f.files, i, f.files.size(), &from_a);
      const bool ok_b = b.ReadAt(f.files, f.files.size() - 1 - i, f.files.size(), &from_b);
      EXPECT_EQ(ok_a, i != MailFileReader::kBatch + 2) << i;
      if (ok_a) {
        EXPECT_EQ(from_a, f.contents[i]) << i;
      }
      if (ok_b) {
        EXPECT_EQ(from_b, f.contents[f.files.size() - 1 - i]) << i;
      }
    }
  }
  MailFileReader c;
  std::vector<std::string> got = f.ReadAll(c, &errors);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], f.contents[i]) << i;
  }
}

// Files of the same names in several directories, taken in turns within one batch (ReadAt opens
// each relative to a descriptor of its directory), through a link to a directory, and in a
// directory that does not exist: the bytes and errors of each path, with and without io_uring.
TEST(MailFileReaderTest, ReadAtOpensEachFileInItsOwnDirectory) {
  testing::TempDir tmp;
  const std::vector<std::string> dirs = {"d1", "d2", "d2/sub", "d3", "link", "nodir"};
  fs::create_directories(tmp.path() / "d1");
  fs::create_directory_symlink(tmp.path() / "d1", tmp.path() / "link");
  MailFileList files;
  std::vector<std::string> want;  // "" for a file that cannot be opened
  for (size_t i = 0; i < 3 * MailFileReader::kBatch; ++i) {
    const std::string& d = dirs[(i * 5 + i / 7) % dirs.size()];
    const std::string name = std::string("m").append(std::to_string(i % 4)).append(".eml");
    const fs::path path = tmp.path() / d / name;
    if (d != "nodir" && d != "link") {
      Write(path, d + "/" + name);
    }
    files.Append(path.string());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(std::string(files[i]), std::ios::binary);
    want.emplace_back(in ? std::string(std::istreambuf_iterator<char>(in), {}) : "");
  }
  // Every kind of path is there, and read through the link too.
  for (const std::string d : {"/d1/", "/d2/", "/d2/sub/", "/d3/", "/link/", "/nodir/"}) {
    size_t found = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      found += files[i].find(d) != std::string_view::npos && (d == "/nodir/" || !want[i].empty());
    }
    EXPECT_GE(found, 3u) << d;
  }
  for (auto mode : {MailFileReader::Mode::kAuto, MailFileReader::Mode::kPlain}) {
    MailFileReader reader(mode);
    for (size_t i = 0; i < files.size(); ++i) {
      std::string_view bytes;
      errno = 0;
      const bool ok = reader.ReadAt(files, i, files.size(), &bytes);
      const bool exists = fs::exists(fs::path(std::string(files[i])));
      EXPECT_EQ(ok, exists) << files[i];
      if (ok) {
        EXPECT_EQ(bytes, want[i]) << files[i];
        EXPECT_FALSE(bytes.empty()) << files[i];
      } else {
        EXPECT_EQ(errno, ENOENT) << files[i];
      }
    }
  }
}

TEST(MailFileReaderTest, ReadAtStaysWithinTheGivenEndAndRereadsOutOfOrderIndexes) {
  ReadAtFixture f;
  MailFileReader reader;
  std::string_view bytes;
  // A batch of 3 (as --jobs hands out), then an index before it, then one far ahead.
  for (size_t i : {10u, 11u, 12u, 2u, 60u, 3u}) {
    const size_t end = i >= 10 && i <= 12 ? 13 : f.files.size();
    ASSERT_TRUE(reader.ReadAt(f.files, i, end, &bytes)) << i;
    EXPECT_EQ(bytes, f.contents[i]) << i;
  }
}

// Installs a seccomp filter that makes io_uring_setup fail with EPERM (as container runtimes'
// default profiles do) and checks, in a child process, that ReadAt falls back to plain reads.
TEST(MailFileReaderTest, FallsBackToPlainReadsWhenIoUringIsRefused) {
  ReadAtFixture f;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
      _exit(3);
    }
    MailFileReader reader;
    std::vector<int> errors;
    std::vector<std::string> got = f.ReadAll(reader, &errors);
    if (reader.uses_io_uring()) {
      _exit(4);
    }
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != f.contents[i] || (errors[i] != 0) != (i == MailFileReader::kBatch + 2)) {
        _exit(5);
      }
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: seccomp not installed, 4: io_uring used anyway, "
                                       "5: wrong bytes or errors";
}

// What `BlockWriter` has written to its stream so far (an open_memstream stream).
struct MemoryStream {
  MemoryStream() : file(open_memstream(&data, &size)) {}
  ~MemoryStream() {
    std::fclose(file);
    std::free(data);
  }
  std::string Written() {
    std::fflush(file);
    return std::string(data, size);
  }
  char* data = nullptr;
  size_t size = 0;
  std::FILE* file;
};

TEST(BlockWriterTest, WritesWholeBlocksInOrderAndTheRestWhenDestroyed) {
  MemoryStream stream;
  ASSERT_NE(stream.file, nullptr);
  std::string expected;
  {
    BlockWriter out(stream.file);
    EXPECT_GE(out.buffer().capacity(), BlockWriter::kBlock);  // reserved, never regrown per block
    const std::string line(1000, 'x');
    size_t appended = 0;
    while (appended + line.size() < BlockWriter::kBlock) {
      out.buffer() += line;
      expected += line;
      appended += line.size();
      out.MaybeFlush();
    }
    EXPECT_EQ(stream.Written(), "");  // below kBlock: nothing written yet
    out.buffer() += "crossing\n";
    out.buffer() += line;
    expected += "crossing\n" + line;
    out.MaybeFlush();
    EXPECT_EQ(stream.Written(), expected);  // the block, in the order appended
    EXPECT_EQ(out.buffer(), "");
    out.buffer() += "tail\n";
    expected += "tail\n";
    out.MaybeFlush();
    EXPECT_EQ(stream.Written().size(), expected.size() - 5);
  }
  EXPECT_EQ(stream.Written(), expected);  // the destructor wrote the rest
}

TEST(BlockWriterTest, FlushWritesWhatIsBufferedAtOnce) {
  MemoryStream stream;
  ASSERT_NE(stream.file, nullptr);
  BlockWriter out(stream.file);
  out.buffer() += "one mail\n";
  out.Flush();
  EXPECT_EQ(stream.Written(), "one mail\n");
  out.Flush();  // nothing buffered: writes nothing
  EXPECT_EQ(stream.Written(), "one mail\n");
}

}  // namespace
}  // namespace bw::mail
