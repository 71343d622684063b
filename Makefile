# A thin wrapper over the README's commands; the build itself is Meson + Ninja.
BUILD ?= build
.PHONY: deps build run test check-quick install clean

deps:
	@tools/ensure-packages

build: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) >/dev/null
	@ninja -C $(BUILD) >/dev/null

run: build
	@$(BUILD)/src/virtmode $(ARGS)

test: deps
	@tools/run-tests

check-quick: deps
	@tools/run-tests --quick

install: build
	meson install -C $(BUILD)

clean:
	rm -rf build build-ci build-asan build-fuzz build-*.setup.log
