# The local stack: the service and a Prometheus with the chart's rules, on loopback (monitoring/stack.py).
# Ports: APP_PORT (8080), ADMIN_PORT (9090), PROMETHEUS_PORT (9091); pid files and logs in .run/local/.
# `up` installs the pinned tools first (seconds when present), so it works on a fresh checkout.

.PHONY: up down load

up: tools app-build ## Local: start the service and Prometheus in the background (idempotent); prints the URLs
	@$(call need,prometheus $(VENV_PYTHON))
	cd $(ROOT)/monitoring && $(VENV_PYTHON) stack.py up

load: ## Local: mixed load (200, 404, 5xx, slow) on the running stack for DURATION seconds (default 60)
	@$(call need,$(VENV_PYTHON))
	cd $(ROOT)/monitoring && $(VENV_PYTHON) stack.py load

down: ## Local: stop exactly what `make up` started (by pid file)
	@$(call need,$(VENV_PYTHON))
	cd $(ROOT)/monitoring && $(VENV_PYTHON) stack.py down
