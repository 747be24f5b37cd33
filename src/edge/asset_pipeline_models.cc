// AssetPipeline's model scoring: production and shadow Scorers, hot swap, paired statistics.
#include <spdlog/spdlog.h>

#include "edge/asset_pipeline.h"

namespace edgeloop::edge {
namespace {

// A model that fails on every window must not flood the log: the first error and every 100th.
bool ShouldLogModelError(uint64_t count) { return count == 1 || count % 100 == 0; }

Result<EdgeModel::Scorer> MakeScorer(const std::shared_ptr<const EdgeModel>& model,
                                     const std::vector<std::string>& features) {
  EL_RETURN_IF_ERROR(model->CheckFeatures(features));
  return EdgeModel::Scorer::Create(model);
}

}  // namespace

Status AssetPipeline::RefreshScorers() {
  ModelSlots& slots = *config_.models;
  const bool initial = !production_;  // the first call, from Create
  bool changed = false;
  if (slots.production.generation() != production_generation_) {
    ModelSlot::Snapshot snap = slots.production.Get();
    // Remembered even when the model is unusable: one failed swap is not retried every window.
    production_generation_ = snap.generation;
    Result<EdgeModel::Scorer> scorer =
        snap.model ? MakeScorer(snap.model, feature_names_)
                   : Result<EdgeModel::Scorer>(InvalidArgument("empty production slot"));
    if (scorer.ok()) {
      production_.emplace(std::move(scorer).value());
      stats_.model_version = production_->model().version();
      changed = true;
    } else if (!production_) {
      return scorer.status().WithContext("production model");
    } else {
      ++stats_.model_swap_errors;
      spdlog::error("asset {}: keeping production model {}: new model refused: {}", asset_.id,
                    production_->model().version(), scorer.status().ToString());
    }
  }
  if (slots.shadow.generation() != shadow_generation_) {
    ModelSlot::Snapshot snap = slots.shadow.Get();
    shadow_generation_ = snap.generation;
    if (!snap.model) {
      shadow_.reset();
      changed = true;
    } else if (auto scorer = MakeScorer(snap.model, feature_names_); scorer.ok()) {
      shadow_.emplace(std::move(scorer).value());
      changed = true;
    } else {
      ++stats_.model_swap_errors;
      spdlog::error("asset {}: shadow model refused: {}", asset_.id, scorer.status().ToString());
    }
    stats_.shadow_version = shadow_ ? shadow_->model().version() : "";
  }
  if (changed && !initial) ++stats_.model_swaps;
  if (changed) shadow_stats_.SetModels(stats_.model_version, stats_.shadow_version);
  return Status::Ok();
}

std::optional<double> AssetPipeline::ScoreWithModels() {
  Status refreshed = RefreshScorers();  // cannot fail once a production scorer exists
  (void)refreshed;
  Result<double> raw = production_->Score(feature_values_);
  if (!raw.ok()) {
    ++stats_.windows_score_errors;
    if (ShouldLogModelError(stats_.windows_score_errors)) {
      spdlog::warn("asset {}: model {} failed on a window ({} so far): {}", asset_.id,
                   production_->model().version(), stats_.windows_score_errors,
                   raw.status().ToString());
    }
    return std::nullopt;
  }
  const double normalized = production_->Normalized(*raw);
  if (shadow_) {
    Result<double> shadow_raw = shadow_->Score(feature_values_);
    if (shadow_raw.ok()) {
      const double shadow_normalized = shadow_->Normalized(*shadow_raw);
      shadow_stats_.Add(*raw, normalized, *shadow_raw, shadow_normalized);
      stats_.last_shadow_score = shadow_normalized;
    } else {
      ++stats_.shadow_score_errors;
      if (ShouldLogModelError(stats_.shadow_score_errors)) {
        spdlog::warn("asset {}: shadow model {} failed on a window ({} so far): {}", asset_.id,
                     shadow_->model().version(), stats_.shadow_score_errors,
                     shadow_raw.status().ToString());
      }
    }
  }
  return normalized;
}

}  // namespace edgeloop::edge
