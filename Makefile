# Edgeloop developer entry points. Every target installs missing packages first.
#   make demo   release build, then `edgeloop demo` (a simulated plant; see README)
#   make test   debug build with ASan+UBSan, then every test through CTest
#   make bench  release build, then the benchmarks in bench/
.PHONY: deps release debug demo test bench format clean

DEMO_ARGS ?=
BENCH_ARGS ?=

deps:
	@bash scripts/install-deps.sh

release: deps
	cmake --preset release
	cmake --build --preset release

debug: deps
	cmake --preset debug
	cmake --build --preset debug

demo: release
	./build/release/src/cli/edgeloop demo $(DEMO_ARGS)

test: debug
	ctest --preset debug

bench: release
	./build/release/bench/edgeloop_bench $(BENCH_ARGS)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
