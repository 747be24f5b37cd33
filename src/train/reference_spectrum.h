// The reference spectrum a model carries for drift detection on vibration.
//
// Features hide how a spectrum changes shape (a new line, a raised noise floor) until the change
// is large; the drift monitor therefore compares live Welch spectra with the one recorded while
// the training data was taken. `model train --reference-spectrum FILE` computes it from a raw
// recording of the same machine and attaches it to any trainer's export.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/signal_file.h"

namespace edgeloop::train {

struct ReferenceSpectrum {
  std::vector<double> power;  // g² per bin, one-sided, bins bin_hz apart from 0 Hz
  double bin_hz = 0;
  std::string source;  // "file:channel"
};

// Welch power spectrum (Hann, 50 % overlap, `segment` samples) of `channel` (empty: the first
// numeric column) sampled at `fs_hz` (0: the file's own rate from its time column).
Result<ReferenceSpectrum> ComputeReferenceSpectrum(const ingest::SignalTable& table,
                                                   const std::string& channel, double fs_hz,
                                                   size_t segment = 4096);

// Rewrites the metadata of a serialized model (with Edgeloop metadata) to carry `spectrum`.
Result<std::string> AttachReferenceSpectrum(const std::string& model_bytes,
                                            const ReferenceSpectrum& spectrum);

}  // namespace edgeloop::train
