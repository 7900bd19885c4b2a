"""The policy check: real documents from plans against the emulator pass both analysers with
reasoned exclusions only, and a broken policy makes each analyser fail."""

import json
import pathlib
import subprocess
import sys

import analyse
import pytest

HERE = pathlib.Path(__file__).resolve().parents[1]
BROKEN = sorted((HERE / "fixtures").glob("*.json"))
BUCKET_ARN = "arn:aws:s3:::example-tf-state"


def run_analyse(policies, tmp_path, exclusions=HERE / "exclusions.yaml"):
    path = tmp_path / "policies.json"
    path.write_text(json.dumps(policies))
    return subprocess.run(
        [sys.executable, str(HERE / "analyse.py"), str(path), "--exclusions", str(exclusions)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# What each broken fixture must raise: (parliament issue, cloudsplaining category, item).
# iam:* on the platform's role prefix names resources, yet it can rewrite any role's trust and
# policies: cloudsplaining must still see the escalation.
EXPECTED = {
    "iam-star": ("RESOURCE_STAR", "PrivilegeEscalation", "CreateAccessKey"),
    "iam-star-on-platform-roles": ("RESOURCE_MISMATCH", "ResourceExposure", "iam:PutRolePolicy"),
    "passrole-star": ("RESOURCE_STAR", "ResourceExposure", "iam:PassRole"),
}


def test_broken_fixtures_are_real_policies():
    assert sorted(path.stem for path in BROKEN) == sorted(EXPECTED)


@pytest.mark.parametrize("fixture", BROKEN, ids=lambda path: path.stem)
def test_parliament_fails_a_broken_policy(fixture):
    issues = [issue for issue, _ in analyse.parliament_findings(json.loads(fixture.read_text()))]
    assert EXPECTED[fixture.stem][0] in issues


@pytest.mark.parametrize("fixture", BROKEN, ids=lambda path: path.stem)
def test_cloudsplaining_fails_a_broken_policy(fixture):
    _, category, item = EXPECTED[fixture.stem]
    categories = dict(analyse.cloudsplaining_findings(json.loads(fixture.read_text())))
    assert item in categories[category]


@pytest.mark.parametrize("fixture", BROKEN, ids=lambda path: path.stem)
def test_a_broken_policy_fails_the_check(fixture, tmp_path):
    document = json.loads(fixture.read_text())
    result = run_analyse(
        [{"address": "fixture", "attribute": "policy", "kind": "identity", "document": document}],
        tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    issue, category, _ = EXPECTED[fixture.stem]
    assert f"FINDING fixture: parliament {issue}" in result.stdout
    assert f"FINDING fixture: cloudsplaining {category}" in result.stdout


def test_an_exclusion_without_a_reason_is_refused(tmp_path):
    exclusions = tmp_path / "exclusions.yaml"
    exclusions.write_text(
        "parliament:\n  - address: fixture\n    finding: RESOURCE_STAR\n    items: ['iam:*']\n"
    )
    document = json.loads((HERE / "fixtures" / "iam-star.json").read_text())
    result = run_analyse(
        [{"address": "fixture", "attribute": "policy", "kind": "identity", "document": document}],
        tmp_path,
        exclusions,
    )
    assert result.returncode == 2
    assert "every exclusion needs a reason" in result.stderr


def test_an_exclusion_covers_only_the_items_it_names(tmp_path):
    exclusions = tmp_path / "exclusions.yaml"
    exclusions.write_text(
        "parliament:\n  - address: fixture\n    finding: RESOURCE_STAR\n"
        "    items: ['iam:Get*']\n    reason: reads only\n"
    )
    document = json.loads((HERE / "fixtures" / "iam-star.json").read_text())
    result = run_analyse(
        [{"address": "fixture", "attribute": "policy", "kind": "identity", "document": document}],
        tmp_path,
        exclusions,
    )
    assert result.returncode == 1
    assert "FINDING fixture: parliament RESOURCE_STAR" in result.stdout


def test_every_kind_of_document_is_extracted(policies):
    kinds = {p["kind"] for p in policies}
    assert kinds == {"identity", "trust", "key", "resource"}
    addresses = {p["address"] for p in policies}
    roles = ["plan_pr", "plan", "apply", "ecr_push", "platform_sync", "deploy"]
    expected = {f'bootstrap.aws_iam_role.ci["{role}"]' for role in roles} | {
        "bootstrap.aws_iam_policy.boundary",
        "bootstrap.aws_iam_role_policy.apply",
        "bootstrap.aws_iam_role_policy.plan_pr",
        "bootstrap.aws_kms_key.state",
        "bootstrap.aws_s3_bucket_policy.state",
        'live.module.eks.aws_iam_role.pod_identity["vpc-cni"]',
        "live.module.eks.aws_iam_role_policy.load_balancer_controller",
        "live.module.network.aws_iam_role_policy.flow_logs",
        "live.module.ci_runner[0].aws_iam_role.this",
        "live.module.ci_runner[0].aws_iam_role_policy.this",
    }
    assert expected <= addresses


def test_documents_hold_the_applied_values(by_address):
    bucket = by_address["bootstrap.aws_s3_bucket_policy.state"]["Statement"][0]
    assert bucket["Resource"] == [BUCKET_ARN, f"{BUCKET_ARN}/*"]
    trust = by_address['live.module.eks.aws_iam_role.pod_identity["vpc-cni"]']["Statement"][0]
    cluster = trust["Condition"]["StringEquals"]["aws:RequestTag/eks-cluster-arn"]
    assert cluster == "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"


def test_no_two_ci_roles_accept_a_common_subject(policies):
    subjects = {}
    for policy in policies:
        if policy["address"].startswith("bootstrap.aws_iam_role.ci["):
            for statement in policy["document"]["Statement"]:
                sub = statement["Condition"]["StringEquals"][
                    "token.actions.githubusercontent.com:sub"
                ]
                for subject in [sub] if isinstance(sub, str) else sub:
                    subjects.setdefault(subject, []).append(policy["address"])
    assert len(subjects) == 6
    assert all(len(roles) == 1 for roles in subjects.values()), subjects


def test_terraform_policies_have_no_unexplained_findings(policies, tmp_path):
    result = run_analyse(policies, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 unexplained, 0 unused exclusions" in result.stdout
