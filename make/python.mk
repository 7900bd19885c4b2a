# Python: one linter and formatter (ruff, configured in ruff.toml) over every script and test.

LINT_TARGETS += python-lint

.PHONY: python-lint

python-lint: ## Python: ruff check and ruff format --check over every script and test
	@$(call need,ruff)
	cd $(ROOT) && ruff check --no-cache . && ruff format --no-cache --check .
