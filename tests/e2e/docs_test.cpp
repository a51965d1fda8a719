// The repository stands alone (issue 13): no file cites the agent references kept outside it,
// and every citation of docs/agents/<agent>.md names a file and sections that exist.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace orch::test {
namespace {
namespace fs = std::filesystem;

// Written in two pieces so that this file does not cite it itself.
const std::string kOutsideReference = std::string("shared") + "/reference";

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The repository's text files: sources, build files, scripts and documents, outside .git, .deps
// and build trees (any folder holding a CMakeCache.txt).
std::vector<fs::path> text_files() {
  static const std::set<std::string> kExtensions = {
      ".h", ".cpp", ".md", ".txt", ".cmake", ".sh", ".sql", ".toml", ".json", ".py", ".yml"};
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(ORCH_SOURCE_DIR), end;
  for (; it != end; ++it) {
    const fs::path& p = it->path();
    if (it->is_directory()) {
      std::string name = p.filename().string();
      if (name.rfind('.', 0) == 0 || fs::exists(p / "CMakeCache.txt"))
        it.disable_recursion_pending();
    } else if (it->is_regular_file() && kExtensions.count(p.extension().string())) {
      files.push_back(p);
    }
  }
  return files;
}

TEST(RepositoryDocs, NoFileCitesTheReferencesOutsideTheRepository) {
  std::vector<fs::path> files = text_files();
  ASSERT_GT(files.size(), 100u) << "the source tree was not found at " << ORCH_SOURCE_DIR;
  for (const fs::path& file : files) {
    EXPECT_EQ(read_all(file).find(kOutsideReference), std::string::npos)
        << file << " cites " << kOutsideReference << "; the facts belong in docs/agents/";
  }
}

// "docs/agents/opencode.md §8" and "docs/agents/claude-code.md §1, §5, §9" (also across a
// wrapped comment line): each § number up to the next ')' or ';' must be a "## §N" heading.
TEST(RepositoryDocs, CitedAgentDocSectionsExist) {
  const std::regex cite(R"(docs/agents/([a-z0-9-]+)\.md([^);]*))");
  const std::regex section(R"(§(\d+))");
  int citations = 0;
  for (const fs::path& file : text_files()) {
    std::string text = read_all(file);
    for (std::sregex_iterator m(text.begin(), text.end(), cite), end; m != end; ++m) {
      fs::path doc = fs::path(ORCH_SOURCE_DIR) / "docs" / "agents" / ((*m)[1].str() + ".md");
      ASSERT_TRUE(fs::exists(doc)) << file << " cites " << doc << ", which does not exist";
      std::string headings = read_all(doc);
      std::string tail = (*m)[2].str().substr(0, 120);
      for (std::sregex_iterator s(tail.begin(), tail.end(), section), send; s != send; ++s) {
        ++citations;
        std::string heading = "\n## §" + (*s)[1].str() + " ";
        EXPECT_NE(headings.find(heading), std::string::npos)
            << file << " cites " << doc.filename() << " §" << (*s)[1] << ", which has no such "
            << "section";
      }
    }
  }
  EXPECT_GT(citations, 20) << "the backends cite docs/agents/ by section";
}

// `docs/ARCHITECTURE.md ("A full disk")` and `docs/ARCHITECTURE.md, "Benchmarks"` (also across a
// wrapped comment line) name a heading of that file.
TEST(RepositoryDocs, CitedArchitectureSectionsExist) {
  const fs::path root(ORCH_SOURCE_DIR);
  std::set<std::string> headings;
  std::istringstream doc(read_all(root / "docs" / "ARCHITECTURE.md"));
  for (std::string line; std::getline(doc, line);) {
    size_t text = line.find_first_not_of('#');
    if (text > 0 && text != std::string::npos && line[text] == ' ') {
      headings.insert(line.substr(text + 1));
    }
  }
  const std::regex wrap(R"(\s*\n\s*(//+|#)?\s*)");
  const std::regex cite(R"(ARCHITECTURE\.md,? \(?"([^"]+)\")");
  int citations = 0;
  for (const fs::path& file : text_files()) {
    std::string raw = read_all(file);
    if (raw.find("ARCHITECTURE.md") == std::string::npos) continue;
    std::string text = std::regex_replace(raw, wrap, " ");
    for (std::sregex_iterator m(text.begin(), text.end(), cite), end; m != end; ++m) {
      ++citations;
      EXPECT_EQ(headings.count((*m)[1].str()), 1u)
          << file << " cites docs/ARCHITECTURE.md \"" << (*m)[1] << "\", which has no such heading";
    }
  }
  EXPECT_GE(citations, 5);
}

// docs/ARCHITECTURE.md keeps the current benchmark figures in one table (the history of runs is in
// git), with a row for every benchmark in bench/.
TEST(RepositoryDocs, ArchitectureHasOneBenchmarkTableNamingEveryBench) {
  const fs::path root(ORCH_SOURCE_DIR);
  std::string doc = read_all(root / "docs" / "ARCHITECTURE.md");
  ASSERT_FALSE(doc.empty());
  const std::string header = "\n| bench |";
  size_t at = doc.find(header);
  ASSERT_NE(at, std::string::npos) << "ARCHITECTURE.md has no table of benchmark figures";
  EXPECT_EQ(doc.find(header, at + 1), std::string::npos) << "a second table of benchmark figures";
  size_t end = doc.find("\n\n", at + 1);
  std::string table = doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
  int benches = 0;
  for (const auto& entry : fs::directory_iterator(root / "bench")) {
    std::string name = entry.path().filename().string();
    const std::string suffix = "_bench.cpp";
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    ++benches;
    std::string bench = "| `" + name.substr(0, name.size() - 4) + "`";
    EXPECT_NE(table.find(bench), std::string::npos)
        << "the benchmark table has no row for bench/" << name;
  }
  EXPECT_GT(benches, 5) << "bench/ was not found";
}

// Every folder of orchestrator/ has its row in ARCHITECTURE.md's "Inside orchestrator/" table, so
// a path alone tells where a change belongs.
TEST(RepositoryDocs, ArchitectureDescribesEveryOrchestratorFolder) {
  const fs::path root(ORCH_SOURCE_DIR);
  std::string doc = read_all(root / "docs" / "ARCHITECTURE.md");
  int folders = 0;
  for (const auto& entry : fs::directory_iterator(root / "orchestrator")) {
    if (!entry.is_directory()) continue;
    ++folders;
    std::string row = "\n| `" + entry.path().filename().string() + "/` |";
    EXPECT_NE(doc.find(row), std::string::npos)
        << "ARCHITECTURE.md does not describe orchestrator/" << entry.path().filename().string();
  }
  EXPECT_GE(folders, 5);
}

}  // namespace
}  // namespace orch::test
