# The service benchmark (bench/): not part of `make test`. See app/README.md for the results.

BENCH_VENV := $(ROOT)/.tools/bench-venv
BENCH_VENV_STAMP := $(BENCH_VENV)/.flask-$(BENCH_FLASK_VERSION)-gunicorn-$(BENCH_GUNICORN_VERSION)

.PHONY: bench bench-tools bench-build

bench: bench-tools bench-build bench-capacity-test ## Benchmark: webapp vs a bare axum ceiling vs Flask + gunicorn (wrk, 256 connections), peak memory under the hostile mix, one pod under the chart's CPU quotas (root); prints the tables
	mkdir -p $(ROOT)/.bench
	cd $(ROOT) && WEBAPP_BIN=$(ROOT)/target/release/webapp HOSTILE_REPORT=$(ROOT)/.bench/hostile.json \
	  cargo test --locked -p webapp --test hostile
	$(PYTHON) $(ROOT)/bench/run.py \
	  --hostile-report $(ROOT)/.bench/hostile.json \
	  --webapp $(ROOT)/target/release/webapp \
	  --ceiling $(ROOT)/target/release/ceiling \
	  --ready-time $(ROOT)/target/release/ready_time \
	  --flask-dir $(ROOT)/bench/flask \
	  --gunicorn $(BENCH_VENV)/bin/gunicorn \
	  --out-dir $(ROOT)/.bench
	$(PYTHON) $(ROOT)/bench/capacity.py --webapp $(ROOT)/target/release/webapp \
	  --values $(ROOT)/charts/webapp/values.yaml --out-dir $(ROOT)/.bench

bench-tools: $(BENCH_VENV_STAMP) ## Benchmark tools: wrk from Debian (system-wide, needs root) and Flask + gunicorn in .tools/bench-venv
	@installed="$$(dpkg-query -W -f='$${Version}' wrk 2>/dev/null || echo none)"; \
	if [[ "$$installed" != "$(WRK_DEB_VERSION)" ]]; then \
	  sudo=""; [[ $$EUID -eq 0 ]] || sudo="sudo"; \
	  echo "bench-tools: wrk $$installed is not $(WRK_DEB_VERSION); installing it into the system:"; \
	  echo "  $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends wrk=$(WRK_DEB_VERSION)"; \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq --no-install-recommends "wrk=$(WRK_DEB_VERSION)"; \
	fi

bench-build: ## Benchmark: release builds of webapp (GIT_SHA = this checkout's commit) and the ceiling
	$(head_sha); cd $(ROOT) && GIT_SHA=$$sha cargo build --locked --release -p webapp -p ceiling

$(BENCH_VENV_STAMP):
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet "flask==$(BENCH_FLASK_VERSION)" "gunicorn==$(BENCH_GUNICORN_VERSION)"
	touch $@
