# The service's settings, defined once in app/src/config.rs: the chart schema's config bounds,
# the values.yaml config block and the docs/interfaces.md table are generated from the binary's
# `webapp contract`. See contract/generate.py.

TEST_TARGETS += contract-test

.PHONY: contract contract-test

contract: app-build ## Contract: regenerate the chart schema, values.yaml config block and docs table from app/src/config.rs
	@$(call need,$(VENV_PYTHON))
	$(VENV_PYTHON) $(ROOT)/contract/generate.py --webapp $(APP_BIN)

contract-test: app-build ## Contract: generated files current; helm and the binary refuse the same values; every setting reaches its variable
	@$(call need,helm $(VENV_PYTHON))
	cd $(ROOT) && WEBAPP_BIN=$(APP_BIN) $(VENV_PYTHON) -m pytest -q contract
