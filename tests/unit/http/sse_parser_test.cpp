// SseParser: the WHATWG event-stream rules, fed whole and in pieces.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/http/http.h"

namespace orch::http {
namespace {

/// Feeds each piece in turn; returns every dispatched event's data.
std::vector<std::string> parse(const std::vector<std::string>& pieces) {
  SseParser parser;
  std::vector<std::string> events;
  for (const auto& piece : pieces) {
    parser.feed(piece, [&](const std::string& data) { events.push_back(data); });
  }
  return events;
}

std::vector<std::string> parse(const std::string& all) {
  return parse(std::vector{all});
}

using Events = std::vector<std::string>;

TEST(SseParser, SingleEvents) {
  EXPECT_EQ(parse("data: {\"a\":1}\n\ndata: {\"b\":2}\n\n"), (Events{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(SseParser, MultiLineDataIsJoinedWithNewlines) {
  EXPECT_EQ(parse("data: one\ndata: two\ndata:three\n\n"), (Events{"one\ntwo\nthree"}));
}

TEST(SseParser, StripsOnlyOneLeadingSpace) {
  EXPECT_EQ(parse("data:  two spaces\n\ndata:none\n\n"), (Events{" two spaces", "none"}));
}

TEST(SseParser, AllLineEndings) {
  EXPECT_EQ(parse("data: crlf\r\n\r\ndata: cr\r\rdata: lf\n\n"), (Events{"crlf", "cr", "lf"}));
}

TEST(SseParser, CrLfSplitAcrossFeedsIsOneLineEnd) {
  // Had the split "\r\n" counted as two line ends, "a" would dispatch alone and "b" separately.
  EXPECT_EQ(parse(Events{"data: a\r", "\ndata: b\r", "\n\r", "\n"}), (Events{"a\nb"}));
}

TEST(SseParser, CommentsAreIgnored) {
  EXPECT_EQ(parse(": heartbeat\n\n:\ndata: x\n: inside\ndata: y\n\n"), (Events{"x\ny"}));
}

TEST(SseParser, EventIdRetryAndUnknownFieldsAreIgnored) {
  EXPECT_EQ(parse("event: message\nid: 7\nretry: 1000\nfoo: bar\ndata: payload\n\n"
                  "event: ping\nid: 8\n\n"),
            (Events{"payload"}));
}

TEST(SseParser, FieldWithoutColonHasEmptyValue) {
  EXPECT_EQ(parse("data\ndata\n\n"), (Events{"\n"}));
  EXPECT_EQ(parse("data\n\n"), (Events{""}));
  EXPECT_EQ(parse("data:\n\n"), (Events{""}));
  EXPECT_EQ(parse("event\n\n"), (Events{}));
}

TEST(SseParser, ValuesKeepLaterColons) {
  EXPECT_EQ(parse("data: {\"url\":\"http://x:1\"}\n\n"), (Events{"{\"url\":\"http://x:1\"}"}));
}

TEST(SseParser, NoTrailingBlankLineMeansNoDispatch) {
  EXPECT_EQ(parse("data: complete\n\ndata: incomplete\n"), (Events{"complete"}));
  EXPECT_EQ(parse("data: no line end"), (Events{}));
}

TEST(SseParser, BlankLinesWithoutDataDispatchNothing) {
  EXPECT_EQ(parse("\n\n\r\n\r\r"), (Events{}));
}

TEST(SseParser, LeadingByteOrderMarkIsSkipped) {
  EXPECT_EQ(parse("\xEF\xBB\xBF"
                  "data: bom\n\n"),
            (Events{"bom"}));
}

TEST(SseParser, ByteByByteEqualsWhole) {
  const std::string stream =
      ": hello\r\nevent: x\r\ndata: {\"type\":\"a\"}\r\n\r\ndata: l1\rdata: l2\r\r"
      "data:{\"type\":\"b\"}\n\ndata: tail\n";
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  Events expected{"{\"type\":\"a\"}", "l1\nl2", "{\"type\":\"b\"}"};
  EXPECT_EQ(parse(stream), expected);
  EXPECT_EQ(parse(bytes), expected);
}

TEST(SseParser, StateCarriesAcrossFeedsMidLine) {
  EXPECT_EQ(parse(Events{"da", "ta: sp", "lit\n", "\n"}), (Events{"split"}));
}

}  // namespace
}  // namespace orch::http
