# Private cluster: the node group ordered after its egress, and how operators reach a private
# API endpoint. Elsewhere: terraform-test plans every NAT x endpoint mode, delivery-test runs the
# runner selection and tunnel tests (deploy/tests), platform-test the image reachability per NAT
# mode (platform/tests).

TEST_TARGETS += private-cluster-test

PRIVATE_CLUSTER_RUN := $(ROOT)/.run/tunnel
LOCAL_PORT ?= 8443

.PHONY: private-cluster-test cluster-tunnel

private-cluster-test: ## Private cluster: the node group is ordered after its egress path (terraform graph)
	@$(call need,terraform $(VENV_PYTHON))
	cd $(ROOT) && timeout 300 $(VENV_PYTHON) -m pytest -q terraform/modules/eks/tests/test_graph.py

cluster-tunnel: ## Print the Session Manager tunnel to a private API endpoint and write its kubeconfig (LOCAL_PORT, default 8443)
	@$(call need,terraform $(PYTHON))
	mkdir -p $(PRIVATE_CLUSTER_RUN)
	terraform -chdir=$(ROOT)/terraform/live output -json >$(PRIVATE_CLUSTER_RUN)/live-outputs.json
	$(PYTHON) $(ROOT)/deploy/cluster_tunnel.py $(PRIVATE_CLUSTER_RUN)/live-outputs.json \
	  $(PRIVATE_CLUSTER_RUN)/kubeconfig --local-port $(LOCAL_PORT)
