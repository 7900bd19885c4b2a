# IAM: every policy document terraform/bootstrap and terraform/live send, taken from real plans
# against the moto emulator, through parliament and cloudsplaining (terraform/policy_check).

TEST_TARGETS += iam-test
SLOW_TEST_TARGETS += iam-test

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
# BASE is the commit before the push; empty, or a commit this clone lacks (a first push), syncs.
# A git that cannot read the repository fails the target rather than guess.
platform-changed: ## CI: print platform=true|false: did platform/ or tools/versions.env change since BASE?
	@git -C $(ROOT) rev-parse --verify --quiet HEAD >/dev/null || \
	  { echo "platform-changed: git cannot read $(ROOT)" >&2; exit 1; }
	@if [ -z "$(BASE)" ] || ! git -C $(ROOT) cat-file -e "$(BASE)^{commit}" 2>/dev/null; then \
	  echo platform=true; \
	else \
	  status=0; git -C $(ROOT) diff --quiet "$(BASE)" HEAD -- platform/ tools/versions.env || status=$$?; \
	  case $$status in 0) echo platform=false ;; 1) echo platform=true ;; *) exit $$status ;; esac; \
	fi
