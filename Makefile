# One entry point for people, CI and the GitHub workflows.
# Each layer lives in make/<layer>.mk and adds its targets to LINT_TARGETS and TEST_TARGETS.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
include $(ROOT)/tools/versions.env
# Go's collector runs less often (default 100): Terraform's AWS provider, started for each
# terraform command, spends about a third of its CPU collecting while it loads its schema.
export GOGC ?= 400
include $(sort $(wildcard $(ROOT)/make/*.mk))

.PHONY: help lint test
help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

lint: $(LINT_TARGETS) ## Every linter over the whole tree

# The checks are independent, so they run side by side: most are single-threaded, and many wait
# on a subprocess (terraform, moto, Prometheus). Each target's output is printed whole as it ends.
# Layers list their longest checks in SLOW_TEST_TARGETS, which start first: the run lasts at
# least as long as its longest check, so that one must not start last.
# One job more than the cores, as several checks spend much of their time waiting.
TEST_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))

test: tools ## Everything: tools, then every linter and every layer's tests (TEST_JOBS at a time)
	$(MAKE) --jobs=$(TEST_JOBS) --output-sync=target $(SLOW_TEST_TARGETS) lint $(filter-out $(SLOW_TEST_TARGETS),$(TEST_TARGETS))
	@echo "make test: all checks passed"
