#!/usr/bin/env bash
# Installs every Debian package Edgeloop's build, tests and demo need.
# Idempotent: runs `apt-get update` and `apt-get install` only when something is missing.
# Later subsystems add their packages to PACKAGES below; nothing is downloaded at build time.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache clang-format git
  # fuzzing (`make fuzz`): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # core libraries (see docs: ../shared/DESIGN.md "Chosen dependencies")
  libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libfftw3-dev libsqlite3-dev libeigen3-dev zlib1g-dev
  # ONNX model runtime (src/model): protobuf schema, and the backend conformance test data
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  # trainers (src/train): gradient-boosted trees through XGBoost's C API
  libxgboost-dev
  # MQTT JSON payload decoder (src/ingest/mqtt_json.cc)
  libsimdjson-dev
  # uplink HTTP client and the test hub (src/uplink)
  libcpp-httplib-dev
  # Modbus TCP poller (src/ingest/modbus_poller.cc) and its test server
  libmodbus-dev
  # MQTT sources and the local alert topic (src/ingest/mqtt_client.cc); mosquitto is the broker
  # that integration tests and benchmarks start, mosquitto_sub the benchmark's reference
  libpaho-mqttpp-dev libpaho-mqtt-dev mosquitto mosquitto-clients
  # Hub store: libpq for the PostgreSQL backend; the postgresql server for its tests and the
  # ingest benchmark (started in a temp folder, never as a system service)
  libpq-dev postgresql
  # edge: zstd waveform snapshots (src/store), sha256 of model artifacts (src/edge)
  libzstd-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
