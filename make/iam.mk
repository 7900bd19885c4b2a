# IAM: every policy document terraform/bootstrap and terraform/live send, taken from real plans
# against the moto emulator, through parliament and cloudsplaining (terraform/policy_check).

TEST_TARGETS += iam-test

IAM_CHECK := $(ROOT)/terraform/policy_check

.PHONY: iam-test iam-report

iam-test: ## IAM: policies from plans against moto through parliament and cloudsplaining (reasoned exclusions only); broken fixtures must fail
	@$(call need,terraform pytest moto_server parliament cloudsplaining)
	cd $(ROOT) && timeout 1200 pytest -q -p no:cacheprovider $(IAM_CHECK)/tests

iam-report: ## IAM: extract the policy documents to .run/iam/policies.json and print every finding
	@$(call need,terraform python moto_server)
	mkdir -p $(ROOT)/.run/iam
	python $(IAM_CHECK)/extract.py $(ROOT)/.run/iam/policies.json
	python $(IAM_CHECK)/analyse.py $(ROOT)/.run/iam/policies.json
