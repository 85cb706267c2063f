# Keyward. Quick start on Debian 12 / Ubuntu (root or sudo): `make run`, `make test`.
# The logic lives in scripts/; these targets only string it together.
SHELL := /bin/bash
# rustup's cargo, and tools installed for the tests (tauri-driver), even in a fresh shell.
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/.tools/bin:$(PATH)

.PHONY: setup ui build run test lint bench package test-package icons

setup: ## system packages (test set), Rust check, npm packages, tauri-driver
	bash scripts/setup.sh test

ui: ## build the front end into ui/dist
	@if [ -f ui/package.json ]; then npm run build --prefix ui; else echo "ui: no ui/package.json yet, skipped"; fi

build: ui ## the UI, then the desktop app (keyward-desktop) and the CLI (keyward)
	cargo build --workspace --bins

run: ## install what running needs, build, start the app
	bash scripts/setup.sh run
	$(MAKE) --no-print-directory build
	bash scripts/run.sh

# A test run builds from a clean tree once: incremental caches would only cost disk (3 GB).
test: export CARGO_INCREMENTAL = 0
test: ## install what testing needs, build once, run every test
	$(MAKE) --no-print-directory setup
	$(MAKE) --no-print-directory build
	bash scripts/test.sh

lint:
	bash scripts/lint.sh

bench: ## core benchmarks (docs/BENCHMARKS.md); desktop start-up: bash scripts/bench-desktop.sh
	cargo bench -p keyward --bench inventory
	cargo bench -p keyward --bench findings
	cargo bench -p keyward --bench findings_zeroizing
	cargo bench -p keyward --features test-support --bench verify_all
	cargo bench -p keyward --features test-support --bench rotate_many
	cargo bench -p keyward --features test-support --bench keychain
	cargo bench -p keyward-team --bench team
	bash scripts/bench-page-logic.sh

# ---- packaging (issue 7) -----------------------------------------------------------------
package: ## release .deb and .rpm into target/package/ (Tauri bundler; see scripts/package.sh)
	bash scripts/package.sh

test-package: ## the .deb installed on this machine (root/sudo), launched, checked, purged
	bash scripts/test-package.sh

icons: ## every app icon the bundler wants, from the one source icons/keyward.svg
	bash scripts/icons.sh
