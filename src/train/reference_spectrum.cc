#include "train/reference_spectrum.h"

#include <cmath>

#include "dsp/spectral_features.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"

namespace edgeloop::train {

Result<ReferenceSpectrum> ComputeReferenceSpectrum(const ingest::SignalTable& table,
                                                   const std::string& channel, double fs_hz,
                                                   size_t segment) {
  const ingest::SignalColumn* col =
      channel.empty() ? (table.columns.empty() ? nullptr : &table.columns[0]) : table.Find(channel);
  if (col == nullptr) {
    return InvalidArgument(table.source + ": no channel '" + channel + "' for the spectrum");
  }
  if (fs_hz <= 0) fs_hz = table.sample_rate_hz.value_or(0);
  if (!(fs_hz > 0)) {
    return InvalidArgument(table.source + ": sample rate unknown; pass the rate in Hz");
  }
  if (col->values.size() < segment) {
    return InvalidArgument(table.source + ": '" + col->name + "' has " +
                           std::to_string(col->values.size()) + " samples, fewer than one " +
                           std::to_string(segment) + "-sample segment");
  }
  std::vector<float> x;
  x.reserve(col->values.size());
  for (double v : col->values) {
    if (!std::isfinite(v)) {
      return InvalidArgument(table.source + ": '" + col->name + "' has non-finite samples");
    }
    x.push_back(static_cast<float>(v));
  }
  EL_ASSIGN_OR_RETURN(auto ps, dsp::PowerSpectrum::Create(fs_hz, segment));
  EL_RETURN_IF_ERROR(ps.Compute(x));
  return ReferenceSpectrum{
      {ps.power().begin(), ps.power().end()}, ps.bin_hz(), table.source + ":" + col->name};
}

Result<std::string> AttachReferenceSpectrum(const std::string& model_bytes,
                                            const ReferenceSpectrum& spectrum) {
  EL_ASSIGN_OR_RETURN(
      auto m, model::OnnxModel::FromBytes(
                  {reinterpret_cast<const uint8_t*>(model_bytes.data()), model_bytes.size()}));
  EL_ASSIGN_OR_RETURN(auto meta, model::ReadMetadata(m.proto()));
  meta.reference_spectrum = spectrum.power;
  meta.reference_spectrum_bin_hz = spectrum.bin_hz;
  meta.params["reference_spectrum_source"] = spectrum.source;
  onnx::ModelProto proto = m.proto();
  model::WriteMetadata(meta, &proto);
  return proto.SerializeAsString();
}

}  // namespace edgeloop::train
