# Edgeloop developer entry points. Every target installs missing packages first.
#   make demo   release build, then `edgeloop demo` (a simulated plant; see README)
#   make test   debug build with ASan+UBSan, then every test through CTest
#   make bench  release build, then the benchmarks in bench/
#   make fuzz   clang + libFuzzer build, then each fuzz harness for FUZZ_SECONDS
.PHONY: deps release debug demo test bench fuzz format clean

DEMO_ARGS ?=
BENCH_ARGS ?=
FUZZ_SECONDS ?= 60
FUZZERS := plant_config_fuzzer duration_fuzzer mat_fuzzer csv_fuzzer mqtt_json_fuzzer onnx_model_fuzzer sparkplug_fuzzer edge_config_fuzzer waveform_codec_fuzzer desired_state_fuzzer \
           batch_payload_fuzzer hub_config_fuzzer api_body_fuzzer

deps:
	@bash scripts/install-deps.sh

release: deps
	cmake --preset release
	cmake --build --preset release

debug: deps
	cmake --preset debug
	cmake --build --preset debug

demo: deps
	cmake --preset release
	cmake --build --preset release --target edgeloop
	./build/release/src/cli/edgeloop demo $(DEMO_ARGS)

test: debug
	ctest --preset debug

bench: deps
	cmake --preset release
	cmake --build --preset release --target edgeloop_bench edgeloop_tree_bench edgeloop_dense_bench \
	    edgeloop_mqtt_ingest_bench edgeloop_edge_bench edgeloop_hub_ingest_bench edgeloop_hub_api_bench
	./build/release/bench/edgeloop_bench $(BENCH_ARGS)
	./build/release/bench/edgeloop_tree_bench $(BENCH_ARGS)
	./build/release/bench/edgeloop_dense_bench $(BENCH_ARGS)
	./build/release/bench/edgeloop_mqtt_ingest_bench
	./build/release/bench/edgeloop_edge_bench
	./build/release/bench/edgeloop_hub_ingest_bench
	./build/release/bench/edgeloop_hub_api_bench

fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz
	@for f in $(FUZZERS); do \
	  mkdir -p build/fuzz/corpus/$$f && \
	  echo "== $$f ($(FUZZ_SECONDS)s)" && \
	  ./build/fuzz/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	    build/fuzz/corpus/$$f fuzz/corpus/$$f || exit 1; \
	done

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
