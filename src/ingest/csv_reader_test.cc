#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ingest/signal_file.h"

namespace edgeloop::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono;  // NOLINT: dates in expectations

Result<SignalTable> Parse(std::string_view text, const CsvOptions& options = {}) {
  return ParseCsv(text, "f.csv", options);
}

std::vector<std::string> Names(const SignalTable& t) {
  std::vector<std::string> names;
  for (const auto& c : t.columns) names.push_back(c.name);
  return names;
}

Timestamp Utc(year_month_day ymd, int h, int m, int s, int ms = 0) {
  return Timestamp(sys_days(ymd) + hours(h) + minutes(m) + seconds(s) + milliseconds(ms));
}

TEST(CsvReaderTest, DetectsTheDelimiterFromTheHeader) {
  for (const char d : {',', ';', '\t'}) {
    SCOPED_TRACE(static_cast<int>(d));
    std::string text = "a,b,c\n1,2.5,-3e2\n4,5,6\n";
    for (char& c : text) {
      if (c == ',') c = d;
    }
    auto t = Parse(text);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_THAT(Names(*t), ElementsAre("a", "b", "c"));
    EXPECT_THAT(t->columns[2].values, ElementsAre(-300, 6));
    EXPECT_TRUE(t->timestamps.empty());
    EXPECT_FALSE(t->sample_rate_hz.has_value());
  }
  // An explicit delimiter wins over detection.
  auto t = Parse("a;b,c\n1;2\n", {.delimiter = ';'});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Names(*t), ElementsAre("a", "b,c"));
}

TEST(CsvReaderTest, IsoTimeColumnGivesTimestampsAndRate) {
  auto t = Parse(
      "Value,DateTime,other\n"
      "1,2020-03-09T10:14:33.250Z,7\n"
      "2,2020-03-09 10:14:33.750,8\n"
      "3,2020-03-09T12:14:34.250+02:00,9\n"
      "4,2020-03-09T10:14:36.250Z,10\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Names(*t), ElementsAre("Value", "other"));  // the time column is not a channel
  const auto day = 2020y / March / 9;
  EXPECT_THAT(t->timestamps, ElementsAre(Utc(day, 10, 14, 33, 250), Utc(day, 10, 14, 33, 750),
                                         Utc(day, 10, 14, 34, 250), Utc(day, 10, 14, 36, 250)));
  ASSERT_TRUE(t->sample_rate_hz.has_value());
  EXPECT_DOUBLE_EQ(*t->sample_rate_hz, 2.0);  // intervals 0.5, 0.5, 2 s: the median is 0.5 s

  t = Parse("date;v\n2021-12-31;1\n2022-01-01;2\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->timestamps[1], Utc(2022y / January / 1, 0, 0, 0));
}

TEST(CsvReaderTest, NumericTimeColumnIsSecondsSinceTheEpoch) {
  auto t = Parse("t_s,x\n0,1\n0.01,2\n0.02,3\n0.03,4\n0.03,5\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->timestamps.size(), 5u);
  EXPECT_EQ(ToNanos(t->timestamps[0]), 0);
  EXPECT_EQ(ToNanos(t->timestamps[2]), 20'000'000);
  ASSERT_TRUE(t->sample_rate_hz.has_value());
  EXPECT_NEAR(*t->sample_rate_hz, 100.0, 1e-9);  // the repeated time does not count
  // Only the first time-like column is the time column.
  t = Parse("TIME,time,x\n1600000000,5,1\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Names(*t), ElementsAre("time", "x"));
  EXPECT_EQ(t->timestamps[0], Timestamp(seconds(1'600'000'000)));
  EXPECT_FALSE(t->sample_rate_hz.has_value());  // one row: no interval
}

TEST(CsvReaderTest, MissingValuesAreNaN) {
  auto t = Parse("a,b,c\n1,,NaN\nnan, 2 ,\"3\"\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->columns[0].values[0], 1);
  EXPECT_TRUE(std::isnan(t->columns[0].values[1]));
  EXPECT_TRUE(std::isnan(t->columns[1].values[0]));
  EXPECT_EQ(t->columns[1].values[1], 2);
  EXPECT_TRUE(std::isnan(t->columns[2].values[0]));
  EXPECT_EQ(t->columns[2].values[1], 3);
}

TEST(CsvReaderTest, BadNumbersNameLineAndColumn) {
  auto t = Parse("Time;Pressure\n1;2\n2;abc\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "f.csv:3: column 'Pressure': 'abc' is not a number");
  t = Parse("Time;Pressure\n1;2\nyesterday;3\n");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("f.csv:3: column 'Time': 'yesterday' is not a time"));
  t = Parse("a\n1.5x\n");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("f.csv:2: column 'a': '1.5x'"));
  for (const char* bad : {"2020-02-30", "2020-03-09 25:00", "2020-03-09T10:14:33Q", "1e300"}) {
    t = Parse(std::string("time,x\n") + bad + ",1\n");
    EXPECT_FALSE(t.ok()) << bad;
  }
}

TEST(CsvReaderTest, RaggedRowsAreErrorsWithTheLine) {
  auto t = Parse("a,b\n1,2\n\n3\n");  // blank lines are skipped but still counted
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "f.csv:4: 1 fields, the header has 2");
  t = Parse("a,b\n1,2,3\n");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("f.csv:2: 3 fields"));
  t = Parse("a,b\n1,\"2\n");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("f.csv:2: unterminated quote"));
}

TEST(CsvReaderTest, EmptyFileIsAnErrorAndHeaderOnlyIsAnEmptyTable) {
  for (const char* empty : {"", "\n\n", " \r\n", "\xEF\xBB\xBF"}) {
    auto t = Parse(empty);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().message(), "f.csv: empty file; a CSV needs a header row");
  }
  auto t = Parse("timestamp,a,b\r\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Names(*t), ElementsAre("a", "b"));
  EXPECT_TRUE(t->columns[0].values.empty());
  EXPECT_TRUE(t->timestamps.empty());
  EXPECT_FALSE(t->sample_rate_hz.has_value());
}

TEST(CsvReaderTest, TrimsWhitespaceAndReadsQuotedHeaders) {
  auto t = Parse("\xEF\xBB\xBF \"Flow, l/min\" ,\"say \"\"hi\"\"\",\r\n 1 , +2 ,3\r\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_THAT(Names(*t), ElementsAre("Flow, l/min", "say \"hi\"", "column3"));
  EXPECT_THAT(t->columns[1].values, ElementsAre(2));
  // A leading tab is an empty first field, not whitespace, with tab-separated files.
  t = Parse("a\tb\n\t2\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(std::isnan(t->columns[0].values[0]));
  EXPECT_EQ(t->columns[1].values[0], 2);
}

TEST(CsvReaderTest, RowLimit) {
  EXPECT_TRUE(Parse("a\n1\n2\n", {.max_rows = 2}).ok());
  auto t = Parse("a\n1\n2\n3\n", {.max_rows = 2});
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("f.csv:4: more than 2 data rows"));
}

const std::string kSkab = EDGELOOP_SHARED_DATA "/skab/data/valve1/0.csv";

TEST(SkabCsvTest, ValveFileParsesWithTimestampsAndLabels) {
  ASSERT_TRUE(std::filesystem::exists(kSkab))
      << "reference data missing: " << kSkab << " (see ../shared/data/README.md)";
  auto t = ReadCsvFile(kSkab);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->source, kSkab);
  EXPECT_THAT(Names(*t), ElementsAre("Accelerometer1RMS", "Accelerometer2RMS", "Current",
                                     "Pressure", "Temperature", "Thermocouple", "Voltage",
                                     "Volume Flow RateRMS", "anomaly", "changepoint"));
  const size_t rows = t->timestamps.size();
  EXPECT_GT(rows, 1000u);
  for (const auto& c : t->columns) EXPECT_EQ(c.values.size(), rows) << c.name;
  EXPECT_EQ(t->timestamps[0], Utc(2020y / March / 9, 10, 14, 33));
  EXPECT_EQ(t->Find("Accelerometer1RMS")->values[0], 0.0265878);
  EXPECT_EQ(t->Find("Voltage")->values[0], 233.062);
  ASSERT_TRUE(t->sample_rate_hz.has_value());
  EXPECT_NEAR(*t->sample_rate_hz, 1.0, 1e-9);
  double anomalies = 0;
  for (const double v : t->Find("anomaly")->values) anomalies += v;
  EXPECT_GT(anomalies, 0);  // each valve file holds one anomaly segment

  // The same through the by-extension entry point, and with ';' forced.
  auto again = ReadSignalFile(kSkab);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->timestamps.size(), rows);
  EXPECT_TRUE(ReadCsvFile(kSkab, {.delimiter = ';'}).ok());
}

TEST(SignalFileTest, ReadsCsvByContentAndReportsMissingFiles) {
  const std::string path = ::testing::TempDir() + "/ingest_csv_no_extension.txt";
  std::ofstream(path) << "time,x\n0,1\n0.5,2\n";
  auto t = ReadSignalFile(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_NEAR(*t->sample_rate_hz, 2.0, 1e-12);
  std::filesystem::remove(path);

  auto missing = ReadSignalFile(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(path));
  EXPECT_EQ(ReadCsvFile("/no/such/dir/x.csv").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace edgeloop::ingest
