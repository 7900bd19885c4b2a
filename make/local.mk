# The local stack: the service and a Prometheus with the chart's rules, on loopback (monitoring/stack.py).
# Ports: APP_PORT (8080), ADMIN_PORT (9090), PROMETHEUS_PORT (9091); pid files and logs in .run/local/.
# `up` checks the prerequisites and installs only what it runs (Prometheus; seconds when present),
# so it works on a fresh checkout without the scanners or Terraform: stack.py needs only the
# standard library, so PYTHON runs it.

.PHONY: up up-tools down load prerequisites prerequisites-test

TEST_TARGETS += prerequisites-test

prerequisites-test: ## Local: the prerequisites check names each missing tool with its fix, make up needs no scanner; the shared Python helpers (tools/devtools.py)
	@$(call need,$(VENV_PYTHON))
	cd $(ROOT) && timeout 120 $(VENV_PYTHON) -m pytest -q tools/tests

prerequisites: ## Name what this machine lacks for WHAT=up|test|operate (default test), with the command that adds it
	$(ROOT)/tools/prerequisites.sh $(or $(WHAT),test)

up-tools: ## Local: the prerequisites of make up, and the pinned Prometheus it runs
	$(ROOT)/tools/prerequisites.sh up
	$(ROOT)/tools/install.sh prometheus

up: up-tools app-build ## Local: start the service and Prometheus in the background (idempotent); prints the URLs
	@$(call need,prometheus $(PYTHON))
	cd $(ROOT)/monitoring && $(PYTHON) stack.py up

load: ## Local: mixed load (200, 404, 5xx, slow) on the running stack for DURATION seconds (default 60)
	@$(call need,$(PYTHON))
	cd $(ROOT)/monitoring && $(PYTHON) stack.py load

down: ## Local: stop exactly what `make up` started (by pid file)
	@$(call need,$(PYTHON))
	cd $(ROOT)/monitoring && $(PYTHON) stack.py down
