// Child pipes: write_stdin / read_line / close_stdin, timeouts, EOF, partial lines, EPIPE.
#include <gtest/gtest.h>
#include <signal.h>

#include "lib/clock.h"
#include "lib/process/process.h"
#include "tests/unit/process/helpers.h"

namespace orch::process {
namespace {
using namespace orch::process::testing;

SpawnOptions piped(std::vector<std::string> argv) {
  auto o = opts(std::move(argv));
  o.pipe_stdin = true;
  o.pipe_stdout = true;
  return o;
}

TEST(Pipes, LinesThroughCat) {
  Child c = spawn(piped({"/bin/cat"}));
  ChildGuard guard(c);
  ASSERT_TRUE(c.write_stdin("hello\nworld\n"));
  bool eof = true;
  EXPECT_EQ(c.read_line(5000, &eof), "hello");
  EXPECT_FALSE(eof);
  EXPECT_EQ(c.read_line(5000, &eof), "world");
  ASSERT_TRUE(c.write_stdin("third line\n"));
  EXPECT_EQ(c.read_line(5000, &eof), "third line");
  c.close_stdin();
  EXPECT_EQ(c.read_line(5000, &eof), std::nullopt);
  EXPECT_TRUE(eof);
  EXPECT_EQ(c.wait(5000), 0);
}

TEST(Pipes, ReadLineTimesOutWithoutEof) {
  Child c = spawn(piped({"/bin/cat"}));
  ChildGuard guard(c);
  const int64_t t0 = steady_ms();
  bool eof = true;
  EXPECT_EQ(c.read_line(150, &eof), std::nullopt);
  const int64_t took = steady_ms() - t0;
  EXPECT_FALSE(eof);
  EXPECT_GE(took, 140);
  EXPECT_LT(took, 3000);
  EXPECT_EQ(c.read_line(0, nullptr), std::nullopt);  // a zero timeout only peeks
  // Half a line is buffered, not returned, until its newline arrives.
  ASSERT_TRUE(c.write_stdin("par"));
  EXPECT_EQ(c.read_line(100, &eof), std::nullopt);
  ASSERT_TRUE(c.write_stdin("tial\nnext"));
  EXPECT_EQ(c.read_line(5000, &eof), "partial");
  c.close_stdin();
  EXPECT_EQ(c.read_line(5000, &eof), "next");  // last line without '\n', at EOF
  EXPECT_FALSE(eof);
  EXPECT_EQ(c.read_line(5000, &eof), std::nullopt);
  EXPECT_TRUE(eof);
  EXPECT_EQ(c.read_line(5000, &eof), std::nullopt);  // stays at EOF
  EXPECT_TRUE(eof);
  EXPECT_EQ(c.wait(5000), 0);
}

TEST(Pipes, ManyLinesInOneRead) {
  Child c = spawn(
      piped({"/bin/sh", "-c", "i=0; while [ $i -lt 500 ]; do echo line$i; i=$((i+1)); done"}));
  ChildGuard guard(c);
  bool eof = false;
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(c.read_line(5000, &eof), "line" + std::to_string(i));
  }
  EXPECT_EQ(c.read_line(5000, &eof), std::nullopt);
  EXPECT_TRUE(eof);
  EXPECT_EQ(c.wait(5000), 0);
}

TEST(Pipes, ReadLineWithoutPipeIsEof) {
  Child c = spawn(opts({"/bin/true"}));
  ChildGuard guard(c);
  bool eof = false;
  EXPECT_EQ(c.read_line(1000, &eof), std::nullopt);
  EXPECT_TRUE(eof);
  EXPECT_FALSE(c.write_stdin("x"));
  EXPECT_EQ(c.wait(5000), 0);
}

TEST(Pipes, WriteToExitedChildReturnsFalse) {
  Child c = spawn(piped({"/bin/true"}));
  ChildGuard guard(c);
  ASSERT_EQ(c.wait(5000), 0);
  // More than a pipe buffer, so a write fails even if the first chunk fit.
  EXPECT_FALSE(c.write_stdin(std::string(1 << 20, 'x')));
  EXPECT_FALSE(c.write_stdin("again"));
  bool eof = false;
  EXPECT_EQ(c.read_line(1000, &eof), std::nullopt);
  EXPECT_TRUE(eof);
}

TEST(Pipes, LargeWriteWhileChildReads) {
  Child c = spawn(piped({"/usr/bin/wc", "-c"}));
  ChildGuard guard(c);
  ASSERT_TRUE(c.write_stdin(std::string(3 << 20, 'y')));
  c.close_stdin();
  bool eof = false;
  EXPECT_EQ(c.read_line(10000, &eof), std::to_string(3 << 20));
  EXPECT_EQ(c.wait(5000), 0);
}

}  // namespace
}  // namespace orch::process
