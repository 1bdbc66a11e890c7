// The watch line decoder: events split at arbitrary byte boundaries (as the
// real server's chunks are) come out whole and in order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "absl/strings/str_split.h"
#include "shared/kube/watch_event.h"
#include "tests/shared/kube/wire_capture.h"

namespace srfleet::kube {
namespace {

std::vector<std::string> DecodeInPieces(const std::string& stream, const std::vector<size_t>& cuts) {
  WatchLineDecoder decoder;
  std::vector<std::string> lines;
  size_t prev = 0;
  auto feed = [&](std::string_view piece) {
    EXPECT_TRUE(decoder.Feed(piece, [&](std::string_view line) { lines.emplace_back(line); }).ok());
  };
  for (size_t cut : cuts) {
    feed(std::string_view(stream).substr(prev, cut - prev));
    prev = cut;
  }
  feed(std::string_view(stream).substr(prev));
  EXPECT_EQ(decoder.buffered(), 0u);
  return lines;
}

std::string SyntheticStream(int events) {
  std::string s;
  for (int i = 0; i < events; ++i) {
    s += R"({"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"name":"cm-)" + std::to_string(i) +
         R"(","resourceVersion":")" + std::to_string(100 + i) + R"("},"data":{"k":"line\nbreak"}}})" + "\n";
  }
  return s;
}

TEST(WatchLineDecoderTest, EveryTwoWaySplitYieldsTheSameLines) {
  const std::string stream = SyntheticStream(3);
  const std::vector<std::string> whole = DecodeInPieces(stream, {});
  ASSERT_EQ(whole.size(), 3u);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    ASSERT_EQ(DecodeInPieces(stream, {cut}), whole) << "cut at " << cut;
  }
}

TEST(WatchLineDecoderTest, RandomSplitsAndSingleBytes) {
  const std::string stream = SyntheticStream(50);
  const std::vector<std::string> whole = DecodeInPieces(stream, {});
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> cuts;
    for (size_t pos = 0;;) {
      pos += 1 + rng() % 300;
      if (pos >= stream.size()) break;
      cuts.push_back(pos);
    }
    ASSERT_EQ(DecodeInPieces(stream, cuts), whole);
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(DecodeInPieces(stream, every_byte), whole);
  for (const std::string& line : whole) EXPECT_TRUE(ParseWatchEvent(line).ok());
}

TEST(WatchLineDecoderTest, CrLfAndBlankLinesAndRemainder) {
  WatchLineDecoder decoder;
  std::vector<std::string> lines;
  ASSERT_TRUE(decoder.Feed("a\r\n\n\nb\nc", [&](std::string_view l) { lines.emplace_back(l); }).ok());
  EXPECT_THAT(lines, ::testing::ElementsAre("a", "b"));
  EXPECT_EQ(decoder.buffered(), 1u);
  EXPECT_EQ(decoder.TakeRemainder(), "c");
}

TEST(WatchLineDecoderTest, OverlongLineIsAnError) {
  WatchLineDecoder decoder(16);
  absl::Status s = decoder.Feed(std::string(10, 'x'), [](std::string_view) {});
  EXPECT_TRUE(s.ok());
  s = decoder.Feed(std::string(10, 'x'), [](std::string_view) {});
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(ParseWatchEventTest, TypesAndErrors) {
  absl::StatusOr<WatchEvent> bookmark =
      ParseWatchEvent(R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"247"}}})");
  ASSERT_TRUE(bookmark.ok());
  EXPECT_EQ(bookmark->type, WatchEventType::kBookmark);
  EXPECT_EQ(bookmark->ResourceVersion(), "247");
  EXPECT_EQ(ToString(bookmark->type), "BOOKMARK");
  EXPECT_FALSE(ParseWatchEvent("{not json").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"ADDED"})").ok());
  EXPECT_FALSE(ParseWatchEvent(R"({"type":"RENAMED","object":{}})").ok());
}

// The real server's chunked watch: the de-chunked body of the raw capture
// splits into exactly the events of the decoded capture.
TEST(WatchCaptureTest, ChunkBoundariesDoNotAlignWithEvents) {
  std::optional<testing::WireCapture> raw = testing::LoadCapture("200-watch-stream-configmaps-chunked-raw.txt");
  std::optional<testing::WireCapture> decoded = testing::LoadCapture("200-watch-stream-configmaps.txt");
  if (!raw || !decoded) GTEST_SKIP() << "watch captures not available (reference folder ../shared missing)";
  // De-chunk by hand, keeping each chunk as one Feed() call.
  std::vector<std::string> chunks;
  std::string_view body = raw->response_body;
  while (true) {
    const size_t crlf = body.find("\r\n");
    ASSERT_NE(crlf, std::string_view::npos);
    const size_t size = std::stoul(std::string(body.substr(0, crlf)), nullptr, 16);
    if (size == 0) break;
    chunks.emplace_back(body.substr(crlf + 2, size));
    body.remove_prefix(crlf + 2 + size + 2);
  }
  ASSERT_GT(chunks.size(), 1u);
  EXPECT_NE(chunks[0].back(), '\n') << "the first chunk should end mid-event";
  WatchLineDecoder decoder;
  std::vector<WatchEvent> events;
  for (const std::string& chunk : chunks) {
    ASSERT_TRUE(decoder
                    .Feed(chunk,
                          [&](std::string_view line) {
                            absl::StatusOr<WatchEvent> e = ParseWatchEvent(line);
                            ASSERT_TRUE(e.ok()) << e.status();
                            events.push_back(*e);
                          })
                    .ok());
  }
  std::vector<std::string> expected_lines = absl::StrSplit(decoded->response_body, '\n', absl::SkipEmpty());
  ASSERT_EQ(events.size(), expected_lines.size());
  std::vector<std::string> types;
  for (const WatchEvent& e : events) types.emplace_back(ToString(e.type));
  EXPECT_THAT(types, ::testing::ElementsAre("ADDED", "ADDED", "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "BOOKMARK"))
      << "(the capture's sequence)";
  EXPECT_EQ(events.back().ResourceVersion(), "247");
}

TEST(WatchCaptureTest, GoneErrorEvent) {
  std::optional<testing::WireCapture> c = testing::LoadCapture("410-gone-watch-too-old-resourceversion.txt");
  if (!c) GTEST_SKIP() << "capture not available (reference folder ../shared missing)";
  std::string line = c->response_body;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  absl::StatusOr<WatchEvent> e = ParseWatchEvent(line);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->type, WatchEventType::kError);
  EXPECT_EQ(e->object["code"], 410);
}

}  // namespace
}  // namespace srfleet::kube
