// Diagnoses the public CWRU bearing recordings in ../shared/data/cwru (see its README) and checks
// the verdicts against the fault named by each file.
//
// Every .mat file under the folder is analysed, so more recordings of the same rig can be dropped
// in: the expected condition, channel, sample rate and speed come from the file, not from a list.
//   name starts "normal" -> healthy; contains "IR" -> inner race; "OR" -> outer race; "B0".."B9"
//   at the start -> rolling element.
//   a path token "FE" or "fan" -> fan-end channel and bearing (6203), else drive end (6205).
//   "48k" / "12k" in the path sets the rate; else normal baselines are 48 kHz and fault records
//   12 kHz unless longer than 400 000 samples (the 48 kHz records hold about 10 s).
//   speed: the X###RPM variable, else the nominal speed of the load suffix _0.._3.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "dsp/signal_analyzer.h"
#include "ingest/signal_file.h"

namespace edgeloop::dsp {
namespace {

namespace fs = std::filesystem;

// Fault frequencies as shaft orders, from the CWRU bearing data center's bearing page. CWRU's
// "BSF" column is the ball defect frequency, i.e. twice the spin frequency our BearingOrders holds.
constexpr BearingOrders kDriveEnd6205{3.5848, 5.4152, 4.7135 / 2, 0.39828};
constexpr BearingOrders kFanEnd6203{3.0530, 4.9469, 3.9874 / 2, 0.3817};

struct Case {
  fs::path path;
  std::string name;
  Condition expected = Condition::kHealthy;
  bool fan_end = false;
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::optional<Case> Classify(const fs::path& path, const fs::path& root) {
  Case c;
  c.path = path;
  c.name = fs::relative(path, root).string();
  const std::string stem = path.stem().string();
  if (Lower(stem).rfind("normal", 0) == 0) {
    c.expected = Condition::kHealthy;
  } else if (stem.find("IR") != std::string::npos) {
    c.expected = Condition::kInnerRace;
  } else if (stem.find("OR") != std::string::npos) {
    c.expected = Condition::kOuterRace;
  } else if (std::regex_search(stem, std::regex("(^|[^A-Za-z])B[0-9]"))) {
    c.expected = Condition::kRollingElement;
  } else {
    return std::nullopt;
  }
  c.fan_end = std::regex_search(Lower(c.name), std::regex("(^|[^a-z])(fe|fan)([^a-z]|$)"));
  return c;
}

double NominalRpm(const std::string& stem) {
  std::smatch m;
  if (std::regex_search(stem, m, std::regex("_([0-3])$"))) {
    static constexpr double kRpm[] = {1797, 1772, 1750, 1730};
    return kRpm[m[1].str()[0] - '0'];
  }
  return 1797;
}

struct Row {
  std::string file;
  double rpm = 0;
  double rate = 0;
  std::string expected;
  std::string got;
  double confidence = 0;
  double found_hz = 0;
  double theory_hz = 0;
};

TEST(CwruDiagnosisTest, EveryRecordingIsDiagnosedAsItsFault) {
  const fs::path root = fs::path(EDGELOOP_SHARED_DATA) / "cwru";
  ASSERT_TRUE(fs::is_directory(root))
      << "CWRU data folder " << root
      << " is missing: this test needs the team's shared reference data (../shared/data, see "
         "its README); configure with -DEDGELOOP_SHARED_DATA=<path> if it lives elsewhere";
  std::vector<Case> cases;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || Lower(entry.path().extension().string()) != ".mat") continue;
    if (auto c = Classify(entry.path(), root)) {
      cases.push_back(*c);
    } else {
      std::printf("skipping %s: no fault label in its name\n", entry.path().c_str());
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  ASSERT_FALSE(cases.empty()) << "no labelled .mat recordings in " << root;

  std::vector<Row> rows;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto table = ingest::ReadMatFile(c.path.string());
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    // Speed and the matching channel: files may hold several X### groups; prefer the one whose
    // number matches the RPM variable.
    std::string prefix;
    double rpm = 0;
    for (const auto& [name, value] : table->scalars) {
      std::smatch m;
      if (std::regex_match(name, m, std::regex("(X[0-9]+)RPM"))) {
        prefix = m[1];
        rpm = value;
        break;
      }
    }
    if (!(rpm > 0)) rpm = NominalRpm(c.path.stem().string());
    const std::string suffix = c.fan_end ? "_FE_time" : "_DE_time";
    const ingest::SignalColumn* column = nullptr;
    for (const auto& col : table->columns) {
      if (col.name.size() < suffix.size() ||
          col.name.compare(col.name.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      if (column == nullptr || (!prefix.empty() && col.name.rfind(prefix, 0) == 0)) column = &col;
    }
    ASSERT_NE(column, nullptr) << "no *" << suffix << " variable";

    const std::string lower = Lower(c.name);
    double rate = 12000;
    if (lower.find("48k") != std::string::npos) {
      rate = 48000;
    } else if (lower.find("12k") == std::string::npos &&
               (c.expected == Condition::kHealthy || column->values.size() > 400000)) {
      rate = 48000;
    }
    MachineContext ctx;
    ctx.sample_rate_hz = rate;
    ctx.shaft_hz = rpm / 60.0;
    ctx.bearing = c.fan_end ? kFanEnd6203 : kDriveEnd6205;
    auto analysis = AnalyzeSignal(std::span<const double>(column->values), ctx);
    ASSERT_TRUE(analysis.ok()) << analysis.status().ToString();
    const Diagnosis& d = analysis->diagnosis;

    Row row{c.name,
            rpm,
            rate,
            std::string(ConditionName(c.expected)),
            std::string(ConditionName(d.condition)),
            d.confidence,
            0,
            0};
    const EnvelopePeak* peak = nullptr;
    if (c.expected == Condition::kInnerRace) peak = &analysis->envelope.bpfi;
    if (c.expected == Condition::kOuterRace) peak = &analysis->envelope.bpfo;
    if (c.expected == Condition::kRollingElement) peak = &analysis->envelope.ball;
    if (peak != nullptr) {
      row.found_hz = peak->measured_hz;
      row.theory_hz = peak->theoretical_hz;
    }
    rows.push_back(row);

    std::string evidence;
    for (const Evidence& e : d.evidence) evidence += "\n  " + e.text;
    EXPECT_EQ(d.condition, c.expected) << "evidence:" << evidence;
    if (peak != nullptr) {
      EXPECT_NEAR(peak->measured_hz, peak->theoretical_hz, 0.02 * peak->theoretical_hz)
          << "envelope peak more than 2 % from theory; evidence:" << evidence;
    }
  }

  std::printf("\n%-22s %6s %6s %-16s %-16s %5s %9s %9s %7s\n", "file", "rpm", "fs", "expected",
              "diagnosis", "conf", "peak Hz", "theory Hz", "err %");
  for (const Row& r : rows) {
    if (r.theory_hz > 0) {
      std::printf("%-22s %6.0f %6.0f %-16s %-16s %5.2f %9.2f %9.2f %+7.2f\n", r.file.c_str(), r.rpm,
                  r.rate, r.expected.c_str(), r.got.c_str(), r.confidence, r.found_hz, r.theory_hz,
                  100.0 * (r.found_hz / r.theory_hz - 1.0));
    } else {
      std::printf("%-22s %6.0f %6.0f %-16s %-16s %5.2f %9s %9s %7s\n", r.file.c_str(), r.rpm,
                  r.rate, r.expected.c_str(), r.got.c_str(), r.confidence, "-", "-", "-");
    }
  }
}

}  // namespace
}  // namespace edgeloop::dsp
