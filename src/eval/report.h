// Tables in the published leaderboards' formats, with the published rows beside ours, and JSON
// summaries of eval runs. The published numbers are those of ../shared/data/README.md (NAB's
// scoreboard and SKAB's leaderboard, full corpora). Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "eval/nab_corpus.h"
#include "eval/skab.h"

namespace edgeloop::eval {

// NAB's scoreboard: Detector | Standard Profile | Reward Low FP | Reward Low FN, sorted by the
// standard score, ours marked "(edgeloop)"; then per detector the thresholds, raw scores and
// counts behind each profile.
std::string FormatNabLeaderboard(std::span<const NabRunResult> ours, const NabData& data);

// SKAB's two leaderboards: outlier detection (F1, FAR %, MAR %) and changepoint detection (NAB
// standard / low FP / low FN), sorted like SKAB's README, ours marked "(edgeloop)".
std::string FormatSkabLeaderboard(std::span<const SkabRunResult> ours, const SkabData& data);

nlohmann::json NabRunToJson(const NabRunResult& r);
nlohmann::json SkabRunToJson(const SkabRunResult& r);

}  // namespace edgeloop::eval
