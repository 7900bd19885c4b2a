# Private cluster: which runner deploys, how operators reach a private API endpoint, and that
# every image is reachable in each NAT mode. The Terraform side runs in terraform-test.

TEST_TARGETS += private-cluster-test

PRIVATE_CLUSTER_RUN := $(ROOT)/.run/tunnel
LOCAL_PORT ?= 8443

.PHONY: private-cluster-test cluster-tunnel

private-cluster-test: ## Private cluster: runs-on selection, tunnel kubeconfig (real kubectl, TLS), image reachability per NAT mode, node group after its egress
	@$(call need,helm kubectl pytest)
	cd $(ROOT) && timeout 300 pytest -q -p no:cacheprovider \
	  deploy/tests/test_runner_selection.py \
	  deploy/tests/test_cluster_tunnel.py \
	  platform/tests/test_image_reachability.py \
	  terraform/modules/eks/tests/test_graph.py

cluster-tunnel: ## Print the Session Manager tunnel to a private API endpoint and write its kubeconfig (LOCAL_PORT, default 8443)
	@$(call need,terraform python3)
	mkdir -p $(PRIVATE_CLUSTER_RUN)
	terraform -chdir=$(ROOT)/terraform/live output -json >$(PRIVATE_CLUSTER_RUN)/live-outputs.json
	python3 $(ROOT)/deploy/cluster_tunnel.py $(PRIVATE_CLUSTER_RUN)/live-outputs.json \
	  $(PRIVATE_CLUSTER_RUN)/kubeconfig --local-port $(LOCAL_PORT)
