# Observability: rules, dashboards, runbooks and the dashboard proof. See monitoring/README.md.

LINT_TARGETS += monitoring-lint
TEST_TARGETS += monitoring-test

MONITORING_TESTS := $(ROOT)/monitoring/tests

.PHONY: monitoring-lint monitoring-test monitoring-rules-test monitoring-dashboards-test monitoring-proof \
	monitoring-local-test monitoring-compose-test

monitoring-lint: ## Monitoring: promtool check rules, dashboard JSON structure (uid, datasource variable)
	@$(call need,promtool $(VENV_PYTHON))
	promtool check rules $(ROOT)/charts/webapp/files/rules/*.yaml
	cd $(MONITORING_TESTS) && $(VENV_PYTHON) check_dashboards.py

MONITORING_TEST_STEPS := monitoring-rules-test monitoring-dashboards-test monitoring-proof monitoring-local-test \
	monitoring-compose-test

monitoring-test: $(MONITORING_TEST_STEPS) ## Monitoring: promtool suites, runbooks, cluster-only queries, live proof, local stack, compose

monitoring-rules-test: ## Monitoring: promtool test rules (every alert fires and stays quiet), runbook coverage, long windows read recorded rates
	@$(call need,promtool $(VENV_PYTHON))
	promtool test rules $(MONITORING_TESTS)/rules/*.test.yaml
	cd $(ROOT) && $(VENV_PYTHON) -m pytest -q $(MONITORING_TESTS)/test_runbooks.py $(MONITORING_TESTS)/test_slo_rules.py

# The dashboards' structure is checked once, by monitoring-lint.
monitoring-dashboards-test: ## Monitoring: cluster-only dashboard queries return data on synthetic series
	@$(call need,promtool $(VENV_PYTHON))
	cd $(ROOT) && $(VENV_PYTHON) -m pytest -q $(MONITORING_TESTS)/test_external_queries.py

monitoring-proof: app-build ## Monitoring: every dashboard query and recording rule vs a real Prometheus scraping the real service
	@$(call need,prometheus $(VENV_PYTHON))
	cd $(ROOT) && timeout 180 $(VENV_PYTHON) -m pytest -q $(MONITORING_TESTS)/test_dashboard_proof.py

monitoring-local-test: app-build ## Monitoring: make up (idempotent), load and down, in a temporary dir with free ports
	@$(call need,prometheus $(VENV_PYTHON))
	cd $(ROOT) && timeout 180 $(VENV_PYTHON) -m pytest -q $(MONITORING_TESTS)/test_local_stack.py

monitoring-compose-test: ## Monitoring: compose.yaml parses, mounts exist, pinned images, same scrape labels (no Docker here)
	@$(call need,promtool $(VENV_PYTHON))
	cd $(ROOT) && $(VENV_PYTHON) -m pytest -q $(MONITORING_TESTS)/test_compose.py
