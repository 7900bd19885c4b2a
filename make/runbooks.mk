# Runbooks (docs/runbooks/): every query returns data on the local stack, commands use the
# deploy namespace, rollbacks go through Helm, runbook_url links are absolute.

TEST_TARGETS += runbooks-test

.PHONY: runbooks-test

runbooks-test: app-build ## Runbooks: every PromQL query vs the local Prometheus of make up (cluster-only ones on synthetic series), namespace, rollback path, runbook_url
	@$(call need,prometheus promtool helm pytest)
	cd $(ROOT) && timeout 300 pytest -v monitoring/tests/test_runbook_queries.py
