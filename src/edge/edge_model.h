// EdgeModel: an anomaly model loaded, verified and ready to score pipeline windows on the edge.
//
// Load reads the artifact once, checks its SHA-256 against the one the hub deployed (when
// given), validates it as ONNX, reads the Edgeloop metadata (it must be an anomaly model with a
// score output and a finite positive threshold), maps every feature the model needs onto the
// pipeline's feature vector (a missing feature is an error naming it) and runs one probe row, so
// a model that cannot score is refused at load, not at the first window.
//
// An EdgeModel is immutable and shared between threads. InferenceSession is not thread-safe, so
// each user scores through its own Scorer, which owns a session and reused buffers: Score does
// not allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/interpreter.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"

namespace edgeloop::edge {

struct ModelSpec {
  std::string path;
  std::string expected_sha256;  // lowercase or uppercase hex; "" = not checked
};

class EdgeModel {
 public:
  // `available_features`: the names of the pipeline's feature vector, in its order.
  static Result<std::shared_ptr<const EdgeModel>> Load(
      const ModelSpec& spec, std::span<const std::string> available_features);
  // The same from bytes already in memory; `source` names the model in errors.
  static Result<std::shared_ptr<const EdgeModel>> FromBytes(
      std::span<const uint8_t> bytes, const std::string& source, const std::string& expected_sha256,
      std::span<const std::string> available_features);

  // "<name>@<first 12 hex of sha256>", name = metadata params["name"] or the trainer.
  const std::string& version() const { return version_; }
  const std::string& sha256() const { return sha256_; }
  const model::ModelMetadata& metadata() const { return metadata_; }
  double threshold() const { return metadata_.threshold; }
  // The pipeline feature list this model was mapped onto at load.
  const std::vector<std::string>& available_features() const { return available_; }
  // OK when `features` is exactly the list the model was loaded against: the index map is only
  // valid for that list.
  Status CheckFeatures(std::span<const std::string> features) const;

  class Scorer {
   public:
    static Result<Scorer> Create(std::shared_ptr<const EdgeModel> model);

    // Raw score of one window; `pipeline_features` in the order of available_features(). A
    // non-finite input the model needs, or a non-finite score, is an error.
    Result<double> Score(std::span<const double> pipeline_features);
    // score / threshold: >= 1 is an anomaly for every model, whatever its score scale.
    double Normalized(double score) const { return score / model_->threshold(); }

    const EdgeModel& model() const { return *model_; }
    const std::shared_ptr<const EdgeModel>& shared_model() const { return model_; }

   private:
    Scorer(std::shared_ptr<const EdgeModel> model, model::InferenceSession session);

    std::shared_ptr<const EdgeModel> model_;
    model::InferenceSession session_;
    std::vector<float> input_;  // model input row, reused
    std::vector<model::TensorRef> outputs_;
  };

 private:
  EdgeModel() = default;

  model::OnnxModel onnx_;
  model::ModelMetadata metadata_;
  std::string sha256_;
  std::string version_;
  std::vector<std::string> available_;
  std::vector<size_t> input_index_;   // model input j <- pipeline feature input_index_[j]
  std::vector<int64_t> input_shape_;  // [1, F]
  size_t score_output_ = 0;           // index among the graph outputs
  std::vector<double> probe_row_;     // pipeline-ordered row used to prove the model runs
};

}  // namespace edgeloop::edge
