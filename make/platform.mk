# The platform releases: kube-prometheus-stack and the AWS Load Balancer Controller, installed by
# platform/sync.sh. See platform/README.md.

TEST_TARGETS += platform-test

.PHONY: platform-test platform-sync

platform-test: ## Platform: values vs EKS, quiet on a healthy EKS cluster, Secret keys before install, shared names, exact sync commands, chart objects vs the selectors
	@$(call need,helm kubectl promtool $(VENV_PYTHON))
	cd $(ROOT) && timeout 300 $(VENV_PYTHON) -m pytest -q platform/tests

platform-sync: ## Platform: helm upgrade --install kube-prometheus-stack and the LB controller (CLUSTER_NAME, AWS_REGION, VPC_ID; DRY_RUN=1 prints)
	$(ROOT)/platform/sync.sh
