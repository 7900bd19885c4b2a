# One entry point for people, CI and the GitHub workflows.
# Each layer lives in make/<layer>.mk and adds its targets to LINT_TARGETS and TEST_TARGETS.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
include $(ROOT)/tools/versions.env
include $(sort $(wildcard $(ROOT)/make/*.mk))

.PHONY: help lint test
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

lint: $(LINT_TARGETS) ## Every linter over the whole tree

test: tools lint $(TEST_TARGETS) ## Everything: tools, linters, every layer's tests
	@echo "make test: all checks passed"
