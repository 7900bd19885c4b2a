# Karpenter (platform/karpenter/): the EC2NodeClass and NodePool against Karpenter's API schemas
# (npm package pinned in tools/versions.env), their values schema, the controller's placement
# and the sync order. The AWS side is tested with the other Terraform modules.

KARPENTER_SCHEMAS := $(ROOT)/.tools/karpenter-schemas/node_modules

TEST_TARGETS += karpenter-test

.PHONY: karpenter-test bench-capacity-test

karpenter-test: ## Karpenter: node class and pool vs the pinned API schemas, values refused before install, controller on the system group, sync order
	@$(call need,helm node pytest)
	@test -d $(KARPENTER_SCHEMAS) || { echo "error: $(KARPENTER_SCHEMAS) is missing: run 'make tools'" >&2; exit 1; }
	helm lint --strict $(ROOT)/platform/karpenter/nodepools --set clusterName=demo --set nodeRole=demo-karpenter-node
	cd $(ROOT)/platform/karpenter/tests && timeout 300 pytest -q -p no:cacheprovider .

# Run by make bench before it measures, not by make test: the quota needs a writable cgroup, which
# a CI container does not have.
bench-capacity-test: ## Capacity figures (make bench): the chart's CPU values as read, and a CPU quota that really throttles (root)
	@$(call need,pytest)
	cd $(ROOT)/bench && timeout 120 pytest -q -p no:cacheprovider test_capacity.py
