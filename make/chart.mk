# The Helm chart (charts/webapp/): lint and test every values profile. See charts/webapp/README.md.
# The checks live in charts/webapp/tests/ (Python in the .tools venv; helm from .tools/bin).

CHART_TESTS := $(ROOT)/charts/webapp/tests
CHART_RENDER_DIR := $(ROOT)/.run/chart

LINT_TARGETS += chart-lint
TEST_TARGETS += chart-test

.PHONY: chart-lint chart-test chart-render chart-validate chart-checkov chart-unit

chart-lint: ## Chart: helm lint --strict for every values profile
	@$(call need,helm $(VENV_PYTHON))
	cd $(CHART_TESTS) && $(VENV_PYTHON) chart.py lint

chart-test: chart-validate chart-checkov chart-unit ## Chart: schemas (Kubernetes 1.34-1.37, CRDs), checkov, behaviour and values tests

chart-render: ## Chart: helm template every profile into .run/chart/
	@$(call need,helm $(VENV_PYTHON))
	cd $(CHART_TESTS) && $(VENV_PYTHON) chart.py render $(CHART_RENDER_DIR)

chart-validate: chart-render ## Chart: every rendered object against Kubernetes 1.34-1.37 (strict) or its vendored CRD
	cd $(CHART_TESTS) && $(VENV_PYTHON) chart.py validate $(CHART_RENDER_DIR)

chart-checkov: chart-render ## Chart: checkov on every rendered profile (0 failed; skips carry reasons)
	@$(call need,checkov)
	cd $(CHART_TESTS) && $(VENV_PYTHON) chart.py checkov $(CHART_RENDER_DIR)

chart-unit: ## Chart: behaviour of the rendered output, values rejections, CRD validator self-tests
	@$(call need,helm $(VENV_PYTHON))
	cd $(ROOT) && $(VENV_PYTHON) -m pytest -q $(CHART_TESTS)
