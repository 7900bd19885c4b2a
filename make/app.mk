# The Rust service (app/): lint, test, build and run. See app/README.md.

APP_BIN := $(ROOT)/target/release/webapp
# make passes its job slots only to recursive recipes; under make -j cargo would otherwise read
# MAKEFLAGS, find no slots and warn. Set but empty, this makes cargo use its own.
export CARGO_MAKEFLAGS :=

LINT_TARGETS += app-lint
TEST_TARGETS += app-test

.PHONY: app-lint app-test app-build app-run

app-lint: ## Service: rustfmt, clippy (warnings are errors), hadolint on app/Dockerfile
	cd $(ROOT) && cargo fmt --all --check
	cd $(ROOT) && cargo clippy --locked --workspace --all-targets -- -D warnings
	@command -v hadolint >/dev/null || { echo "hadolint is missing: run 'make tools'" >&2; exit 1; }
	hadolint $(ROOT)/app/Dockerfile

app-test: app-build ## Service: unit and black-box tests, then the release binary in an empty environment as UID 65532
	cd $(ROOT) && cargo test --locked --workspace
	$(ROOT)/app/tests/empty_env.sh $(APP_BIN)

app-build: ## Service: release binary at target/release/webapp, with GIT_SHA = this checkout's commit
	$(head_sha); cd $(ROOT) && GIT_SHA=$$sha cargo build --locked --release -p webapp

app-run: app-build ## Service: run in the foreground (pretty logs, fault injection on; ports 8080 and 9090)
	LOG_FORMAT=pretty FAULT_INJECTION=true $(APP_BIN)
