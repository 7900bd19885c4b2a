# Private cluster: every image reachable in each NAT mode, the node group ordered after its
# egress, and how operators reach a private API endpoint. terraform-test runs the NAT x endpoint
# plans; delivery-test runs the runner selection and tunnel tests (deploy/tests).

TEST_TARGETS += private-cluster-test

PRIVATE_CLUSTER_RUN := $(ROOT)/.run/tunnel
LOCAL_PORT ?= 8443

.PHONY: private-cluster-test cluster-tunnel

private-cluster-test: ## Private cluster: image reachability per NAT mode (sync and deploy renders), node group after its egress (terraform graph)
	@$(call need,helm terraform pytest)
	cd $(ROOT) && timeout 300 pytest -q -p no:cacheprovider \
	  platform/tests/test_image_reachability.py \
	  terraform/modules/eks/tests/test_graph.py

cluster-tunnel: ## Print the Session Manager tunnel to a private API endpoint and write its kubeconfig (LOCAL_PORT, default 8443)
	@$(call need,terraform python3)
	mkdir -p $(PRIVATE_CLUSTER_RUN)
	terraform -chdir=$(ROOT)/terraform/live output -json >$(PRIVATE_CLUSTER_RUN)/live-outputs.json
	python3 $(ROOT)/deploy/cluster_tunnel.py $(PRIVATE_CLUSTER_RUN)/live-outputs.json \
	  $(PRIVATE_CLUSTER_RUN)/kubeconfig --local-port $(LOCAL_PORT)
