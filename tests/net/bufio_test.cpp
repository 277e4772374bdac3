// Tests of goro::io::BufReader / BufWriter over in-memory readers and writers (to control how
// the data is chunked) and over a real connection.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <vector>

#include "goro/io.hpp"
#include "goro/net.hpp"
#include "goro/runtime.hpp"

namespace {

using goro::Result;
using goro::io::BufReader;
using goro::io::BufWriter;
using goro::net::Errc;

// Hands out `data` at most `chunk` bytes per read, then Errc::eof.
struct ChunkReader {
  std::string data;
  std::size_t chunk;
  std::size_t pos = 0;
  int reads = 0;
  Result<std::size_t> read(std::span<char> buf) {
    reads++;
    if (pos == data.size()) return Errc::eof;
    const std::size_t n = std::min({chunk, buf.size(), data.size() - pos});
    std::copy_n(data.data() + pos, n, buf.data());
    pos += n;
    return n;
  }
};

// Collects what is written; fails every write after `fail_after` writes.
struct StringWriter {
  std::string out;
  int writes = 0;
  int fail_after = 1 << 30;
  Result<std::size_t> write(std::span<const char> data) {
    if (writes++ >= fail_after) return std::make_error_code(std::errc::broken_pipe);
    out.append(data.data(), data.size());
    return data.size();
  }
};

TEST(Bufio, ReadLineAcrossChunks) {
  goro::run([] {
    ChunkReader src{"first\r\nsecond\n\nlast without newline", 3};
    BufReader r(src, 16);
    EXPECT_EQ(r.read_line().value(), "first");
    EXPECT_EQ(r.read_line().value(), "second");
    EXPECT_EQ(r.read_line().value(), "");
    EXPECT_EQ(r.read_line().value(), "last without newline");
    auto end = r.read_line();
    ASSERT_FALSE(end);
    EXPECT_EQ(end.error(), Errc::eof);
  });
}

TEST(Bufio, ReadUntilLongerThanBuffer) {
  goro::run([] {
    std::string long_field(100, 'a');
    ChunkReader src{long_field + ";b;", 7};
    BufReader r(src, 16);
    EXPECT_EQ(r.read_until(';').value(), long_field + ";");
    EXPECT_EQ(r.read_until(';').value(), "b;");
    EXPECT_EQ(r.read_until(';').error(), Errc::eof);
  });
}

TEST(Bufio, ReadSliceBufferFullConsumesNothing) {
  goro::run([] {
    ChunkReader src{"0123456789abcdefXYZ\n", 5};
    BufReader r(src, 16);
    auto s = r.read_slice('\n');
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error(), Errc::buffer_full);
    EXPECT_EQ(r.buffered(), 16u);
    char buf[16];
    EXPECT_EQ(r.read(buf).value(), 16u);
    EXPECT_EQ(r.read_slice('\n').value(), "XYZ\n");
  });
}

TEST(Bufio, PeekAndReadExact) {
  goro::run([] {
    ChunkReader src{"*3\r\n$5\r\nhello\r\n", 2};
    BufReader r(src, 8);
    EXPECT_EQ(r.peek(1).value(), "*");
    EXPECT_EQ(r.peek(4).value(), "*3\r\n");
    EXPECT_EQ(r.peek(9).error(), Errc::buffer_full);
    EXPECT_EQ(r.read_line().value(), "*3");
    EXPECT_EQ(r.read_line().value(), "$5");
    EXPECT_EQ(r.read_exact(5).value(), "hello");
    EXPECT_EQ(r.read_exact(2).value(), "\r\n");
    EXPECT_EQ(r.read_exact(1).error(), Errc::eof);
  });
}

TEST(Bufio, ReadExactUnexpectedEof) {
  goro::run([] {
    ChunkReader src{"abc", 1};
    BufReader r(src);
    auto got = r.read_exact(5);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error(), Errc::unexpected_eof);
  });
}

TEST(Bufio, LargeReadBypassesBuffer) {
  goro::run([] {
    ChunkReader src{std::string(100, 'z'), 100};
    BufReader r(src, 16);
    std::vector<char> buf(64);
    EXPECT_EQ(r.read(buf).value(), 64u);  // straight from the source
    EXPECT_EQ(r.buffered(), 0u);
    char small[4];
    EXPECT_EQ(r.read(small).value(), 4u);  // fills the buffer once
    EXPECT_EQ(r.buffered(), 12u);
  });
}

TEST(Bufio, WriterBuffersUntilFlush) {
  goro::run([] {
    StringWriter dst;
    BufWriter w(dst, 8);
    EXPECT_EQ(w.write_string("abc").value(), 3u);
    EXPECT_EQ(w.write_string("de").value(), 2u);
    EXPECT_EQ(dst.writes, 0);
    EXPECT_EQ(w.buffered(), 5u);
    EXPECT_EQ(w.available(), 3u);
    EXPECT_EQ(w.write_string("fghij").value(), 5u);  // fills, writes 8, keeps 2
    EXPECT_EQ(dst.out, "abcdefgh");
    ASSERT_TRUE(w.flush());
    EXPECT_EQ(dst.out, "abcdefghij");
    // A large write into an empty buffer goes straight through.
    const int before = dst.writes;
    EXPECT_EQ(w.write_string(std::string(20, 'x')).value(), 20u);
    EXPECT_EQ(dst.writes, before + 1);
    EXPECT_EQ(w.buffered(), 0u);
  });
}

TEST(Bufio, WriterErrorSticks) {
  goro::run([] {
    StringWriter dst;
    dst.fail_after = 0;
    BufWriter w(dst, 4);
    EXPECT_TRUE(w.write_string("ab"));
    EXPECT_EQ(w.flush().error(), std::errc::broken_pipe);
    EXPECT_EQ(w.write_string("c").error(), std::errc::broken_pipe);
    EXPECT_EQ(w.flush().error(), std::errc::broken_pipe);
  });
}

TEST(Bufio, OverConnection) {
  goro::run([] {
    int fd[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
    auto a = goro::net::from_fd(fd[0]);
    auto b = goro::net::from_fd(fd[1]);
    ASSERT_TRUE(a && b);
    goro::go([b = *b]() mutable {
      BufWriter w(b);
      for (int i = 0; i < 1000; i++) (void)w.write_string("line " + std::to_string(i) + "\r\n");
      (void)w.flush();
      (void)b.close_write();
    });
    BufReader r(*a);
    for (int i = 0; i < 1000; i++) {
      auto line = r.read_line();
      ASSERT_TRUE(line) << line.error().message();
      EXPECT_EQ(*line, "line " + std::to_string(i));
    }
    EXPECT_EQ(r.read_line().error(), Errc::eof);
  });
}

}  // namespace
