# Observability: rules, dashboards, runbooks, the dashboard proof and the platform releases.
# See monitoring/README.md and platform/README.md.

LINT_TARGETS += monitoring-lint
TEST_TARGETS += monitoring-test

MONITORING_TESTS := $(ROOT)/monitoring/tests
# The tests import pyyaml, which the tools venv has. "=": TOOLS_DIR comes from tools.mk, included later.
MONITORING_PYTHON = $(TOOLS_DIR)/venv/bin/python

.PHONY: monitoring-lint monitoring-test monitoring-rules-test monitoring-dashboards-test monitoring-proof \
	monitoring-local-test monitoring-compose-test platform-test platform-sync

monitoring-lint: ## Monitoring: promtool check rules, dashboard JSON structure (uid, datasource variable)
	@$(call need,promtool $(MONITORING_PYTHON))
	promtool check rules $(ROOT)/charts/webapp/files/rules/*.yaml
	cd $(MONITORING_TESTS) && $(MONITORING_PYTHON) check_dashboards.py

MONITORING_TEST_STEPS := monitoring-rules-test monitoring-dashboards-test monitoring-proof monitoring-local-test \
	monitoring-compose-test platform-test

monitoring-test: $(MONITORING_TEST_STEPS) ## Monitoring: promtool suites, runbooks, dashboards, live proof, local stack, compose, platform

monitoring-rules-test: ## Monitoring: promtool test rules (every alert fires and stays quiet), runbook coverage, long windows read recorded rates
	@$(call need,promtool $(MONITORING_PYTHON))
	promtool test rules $(MONITORING_TESTS)/rules/*.test.yaml
	cd $(MONITORING_TESTS) && $(MONITORING_PYTHON) check_runbooks.py
	cd $(MONITORING_TESTS) && $(MONITORING_PYTHON) -m pytest -q -p no:cacheprovider test_slo_rules.py

monitoring-dashboards-test: ## Monitoring: dashboard structure, cluster-only queries on synthetic series
	@$(call need,promtool $(MONITORING_PYTHON))
	cd $(MONITORING_TESTS) && $(MONITORING_PYTHON) check_dashboards.py
	cd $(MONITORING_TESTS) && $(MONITORING_PYTHON) external_queries.py

monitoring-proof: app-build ## Monitoring: every dashboard query and recording rule vs a real Prometheus scraping the real service
	@$(call need,prometheus $(MONITORING_PYTHON))
	cd $(MONITORING_TESTS) && timeout 180 $(MONITORING_PYTHON) dashboard_proof.py

monitoring-local-test: app-build ## Monitoring: make up (idempotent), load and down, in a temporary dir with free ports
	@$(call need,prometheus $(MONITORING_PYTHON))
	timeout 180 $(MONITORING_PYTHON) $(MONITORING_TESTS)/local_stack_test.py

monitoring-compose-test: ## Monitoring: compose.yaml parses, mounts exist, pinned images, same scrape labels (no Docker here)
	@$(call need,promtool $(MONITORING_PYTHON))
	cd $(MONITORING_TESTS) && $(MONITORING_PYTHON) check_compose.py

platform-test: ## Platform: values vs EKS, quiet on a healthy EKS cluster, Secret keys before install, shared names, exact sync commands, chart objects vs the selectors
	@$(call need,helm kubectl promtool python3 $(TOOLS_DIR)/venv/bin/pytest)
	cd $(ROOT)/platform/tests && timeout 300 $(TOOLS_DIR)/venv/bin/pytest -q -p no:cacheprovider .

platform-sync: ## Platform: helm upgrade --install kube-prometheus-stack and the LB controller (CLUSTER_NAME, AWS_REGION, VPC_ID; DRY_RUN=1 prints)
	$(ROOT)/platform/sync.sh
