// Output that cannot break: json::dump writes U+FFFD for bytes that are not UTF-8 (issue 11: one
// bad row broke `orch agents --json` for every session), and EscapingStreambuf keeps control
// characters and terminal escape sequences from reaching a terminal raw.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/io.h"
#include "lib/json.h"

namespace orch {
namespace {

const std::string kReplacement = "\xef\xbf\xbd";

TEST(JsonDump, ReplacesBytesThatAreNotUtf8) {
  json::Json j = {{"repo", "/tmp/caf\xe9"}, {"error", "crash: \xff\xfe\n"}};
  std::string text;
  ASSERT_NO_THROW(text = json::dump(j));
  EXPECT_EQ(text, "{\"error\":\"crash: " + kReplacement + kReplacement +
                      "\\n\",\"repo\":\"/tmp/caf" + kReplacement + "\"}");
  // nlohmann's own dump() throws for the same value: what every writer did before.
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  EXPECT_EQ(json::dump({{"a", 1}}, 2), "{\n  \"a\": 1\n}");
}

// "One place that every writer goes through": no code of orch calls nlohmann's dump() itself.
TEST(JsonDump, IsTheOnlyWriterInOrchsCode) {
  namespace fs = std::filesystem;
  std::string offenders;
  for (const char* dir : {"cmd", "orchestrator", "backends", "lib"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(ORCH_SOURCE_DIR) / dir)) {
      std::string ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
      if (e.path() == fs::path(ORCH_SOURCE_DIR) / "lib" / "json.cpp") continue;
      // The MCP relay links no orch library (one runs per session: small on purpose); its one
      // dump() replaces bytes that are not UTF-8 as json::dump does.
      if (e.path().filename() == "orch_mcp_bridge.cpp") continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find(".dump(") != std::string::npos) offenders += " " + e.path().string();
    }
  }
  EXPECT_EQ(offenders, "") << "use orch::json::dump (lib/json.h) instead of nlohmann's dump()";
}

// Everything written to an EscapingStreambuf over `dest`, in the given pieces.
std::string escaped(std::initializer_list<std::string> pieces) {
  std::ostringstream dest;
  EscapingStreambuf buf(dest.rdbuf());
  std::ostream out(&buf);
  for (const std::string& p : pieces) out << p;
  out.flush();
  return dest.str();
}

TEST(EscapingStreambuf, MakesControlCharactersVisibleAndKeepsLinesAndText) {
  EXPECT_EQ(escaped({"repo /tmp/\x1b[31mred\x1b[0m: no such directory\n"}),
            "repo /tmp/\\x1b[31mred\\x1b[0m: no such directory\n");
  EXPECT_EQ(escaped({"a\tb\r\x07\x7f\n"}), "a\tb\\r\\x07\\u007f\n");
  EXPECT_EQ(escaped({"caf\xc3\xa9 \xe2\x9c\x93 \xc2\xa0"}), "caf\xc3\xa9 \xe2\x9c\x93 \xc2\xa0");
  EXPECT_EQ(escaped({"csi \xc2\x9b"
                     "2J"}),
            "csi \\u009b2J");
  // A C1 control split over two writes is still seen.
  EXPECT_EQ(escaped({"x\xc2",
                     "\x9b"
                     "y"}),
            "x\\u009by");
  EXPECT_EQ(escaped({"x\xc2", "\xa9"}), "x\xc2\xa9");
  EXPECT_EQ(escaped({std::string("nul\0end", 7)}), "nul\\x00end");
}

TEST(EscapingStreambuf, JsonStaysValidJson) {
  json::Json j = {{"note", "del \x7f and csi \xc2\x9b"}, {"esc", "\x1b[0m"}};
  std::string out = escaped({json::dump(j)});
  json::Parser p;
  json::Element e = p.parse(out);
  EXPECT_EQ(json::str(json::at(e, "note")), "del \x7f and csi \xc2\x9b");
  EXPECT_EQ(json::str(json::at(e, "esc")), "\x1b[0m");
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
}

}  // namespace
}  // namespace orch
