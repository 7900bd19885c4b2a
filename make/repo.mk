# Checks that span the whole tree: YAML and shell everywhere, and proof that every linter fails
# on a deliberately broken input.
.PHONY: repo-lint yaml-lint shell-lint lint-selftest
LINT_TARGETS += repo-lint
TEST_TARGETS += lint-selftest

repo-lint: yaml-lint shell-lint ## YAML and shell linters over the whole tree

yaml-lint: ## yamllint (strict) over every YAML file
	@$(call need,yamllint)
	cd $(ROOT) && yamllint --strict -c .yamllint.yaml .

shell-lint: ## shellcheck over every shell script
	@$(call need,shellcheck)
	cd $(ROOT) && git ls-files -co --exclude-standard | grep -v '^tests/lint-fixtures/' | \
	  while read -r f; do \
	    [ -f "$$f" ] || continue; \
	    case "$$f" in *.sh|.ci/run) echo "$$f";; *) if head -n1 "$$f" | grep -qE '^#!.*(bash|/sh)'; then echo "$$f"; fi;; esac; \
	  done | xargs --no-run-if-empty shellcheck --external-sources

lint-selftest: ## Every linter must reject its broken fixture in tests/lint-fixtures
	@$(call need,yamllint shellcheck hadolint actionlint zizmor checkov promtool terraform ruff)
	$(ROOT)/tests/lint-fixtures/run.sh

TEST_TARGETS += repo-test
.PHONY: repo-test
repo-test: ## Tree: no wording about how the tree was made, checkov skips with reasons, docs links and commands, make test runs every check once
	@$(call need,$(VENV_PYTHON))
	cd $(ROOT) && $(VENV_PYTHON) -m pytest -q tests
