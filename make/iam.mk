# IAM: every policy document terraform/bootstrap and terraform/live send, taken from real plans
# against the moto emulator, through parliament and cloudsplaining (terraform/policy_check).

TEST_TARGETS += iam-test

IAM_CHECK := $(ROOT)/terraform/policy_check

.PHONY: iam-test iam-report platform-changed

iam-test: ## IAM: policies from plans against moto through parliament and cloudsplaining (reasoned exclusions only); broken fixtures must fail
	@$(call need,terraform pytest moto_server parliament cloudsplaining)
	cd $(ROOT) && timeout 1200 pytest -q -p no:cacheprovider $(IAM_CHECK)/tests

iam-report: ## IAM: extract the policy documents to .run/iam/policies.json and print every finding
	@$(call need,terraform python moto_server)
	mkdir -p $(ROOT)/.run/iam
	python $(IAM_CHECK)/extract.py $(ROOT)/.run/iam/policies.json
	python $(IAM_CHECK)/analyse.py $(ROOT)/.run/iam/policies.json

# The app workflow runs its platform-sync job (the one cluster-admin CI role) only when needed:
# BASE is the commit before the push; empty or unknown (a run by hand, a first push) syncs.
platform-changed: ## CI: print platform=true|false: did platform/ or tools/versions.env change since BASE?
	@if [ -n "$(BASE)" ] && git -C $(ROOT) cat-file -e "$(BASE)^{commit}" 2>/dev/null && \
	  git -C $(ROOT) diff --quiet "$(BASE)" HEAD -- platform/ tools/versions.env; then \
	  echo platform=false; else echo platform=true; fi
