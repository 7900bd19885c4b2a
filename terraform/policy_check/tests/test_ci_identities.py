"""One role, one job: each workflow job assumes the role whose trust (as Terraform sends it)
names that job's environment, and the app deploy identity reaches its namespace only."""

import json
import os
import pathlib
import re
import shutil
import subprocess

import hcl2
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / ".github" / "workflows"
ROLE_VARIABLE = re.compile(r"^\$\{\{ vars\.([A-Z_]+)_ROLE_ARN \}\}$")
ROLE_OF_VARIABLE = {
    "PLAN_PR": "plan_pr",
    "PLAN": "plan",
    "APPLY": "apply",
    "ECR_PUSH": "ecr_push",
    "PLATFORM_SYNC": "platform_sync",
    "DEPLOY": "deploy",
}
APP_NAMESPACE = ROOT / "platform" / "manifests" / "app-namespace.yaml"
# What Kubernetes' edit role (AmazonEKSEditPolicy) lets the deploy role write in its namespace.
EDIT_ROLE_KINDS = {
    ("", "ConfigMap"),
    ("", "Pod"),
    ("", "Secret"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("apps", "Deployment"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "NetworkPolicy"),
}


def jobs_assuming_roles():
    """[(workflow, job name, job, role)] for every job that assumes an AWS role."""
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in (yaml.safe_load(path.read_text()).get("jobs") or {}).items():
            for step in job.get("steps", []):
                role_to_assume = (step.get("with") or {}).get("role-to-assume")
                if role_to_assume:
                    variable = ROLE_VARIABLE.match(role_to_assume).group(1)
                    found.append((path.name, name, job, ROLE_OF_VARIABLE[variable]))
    return found


def trusted_subjects(policies):
    """{role: subject} from the CI roles' trust policies."""
    subjects = {}
    for policy in policies:
        match = re.fullmatch(r'bootstrap\.aws_iam_role\.ci\["(\w+)"\]', policy["address"])
        if match:
            (statement,) = policy["document"]["Statement"]
            key = "token.actions.githubusercontent.com:sub"
            subjects[match.group(1)] = statement["Condition"]["StringEquals"][key]
    return subjects


def test_every_role_is_assumed_by_its_own_jobs_only(policies):
    subjects = trusted_subjects(policies)
    jobs = jobs_assuming_roles()
    assert {role for *_, role in jobs} == set(subjects)
    for workflow, name, job, role in jobs:
        environment = job.get("environment")
        if role == "plan_pr":
            assert environment is None, (workflow, name)
            assert subjects[role].endswith(":pull_request")
        else:
            assert subjects[role].endswith(f":environment:{environment}"), (workflow, name)
    # Jobs of different roles never share an environment, so none can present another's subject.
    environments = {}
    for _, _, job, role in jobs:
        environments.setdefault(job.get("environment"), set()).add(role)
    assert all(len(roles) == 1 for roles in environments.values()), environments


def default(path, variable):
    with open(path, encoding="utf-8") as handle:
        for block in hcl2.load(handle)["variable"]:
            if variable in block:
                value = block[variable]["default"]
                # python-hcl2 wraps attribute values in a list in some versions.
                return value[0] if isinstance(value, list) else value
    raise AssertionError(f"{path}: no variable {variable}")


def test_app_namespace_and_deploy_group_agree_everywhere():
    namespace, role, binding = list(yaml.safe_load_all(APP_NAMESPACE.read_text()))
    eks = ROOT / "terraform" / "modules" / "eks" / "variables.tf"
    live = ROOT / "terraform" / "live" / "variables.tf"
    deploy = (ROOT / "deploy" / "deploy.sh").read_text()
    name = namespace["metadata"]["name"]
    assert name == default(eks, "app_namespace") == default(live, "app_namespace")
    assert re.search(r"^namespace=\$\{NAMESPACE:-(\S+)\}$", deploy, re.M).group(1) == name
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == name
    assert binding["subjects"] == [
        {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Group",
            "name": default(eks, "deploy_kubernetes_group"),
        }
    ]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]


@pytest.fixture(scope="module")
def chart_objects(tmp_path_factory, helm):
    """Every object the chart renders with each optional feature on, as the deploy renders it."""
    objects = []
    for extra in (
        [],
        ["--set", "autoscaling.enabled=true", "--set", "loadBalancerService.enabled=true"],
    ):
        rendered = subprocess.run(
            [
                helm,
                "template",
                "webapp",
                str(ROOT / "charts" / "webapp"),
                "--namespace",
                "webapp",
                "--set-string",
                "image.repository=123456789012.dkr.ecr.eu-west-1.amazonaws.com/webapp",
                "--set-string",
                "image.digest=sha256:" + "0" * 64,
                "--set-string",
                "targetGroupBinding.targetGroupARN=arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/webapp/0123456789abcdef",
                "--set-json",
                'loadBalancer.healthCheckCIDRs=["10.0.0.0/24"]',
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env={**os.environ, "HELM_CACHE_HOME": str(tmp_path_factory.mktemp("helm"))},
        ).stdout
        objects += [doc for doc in yaml.safe_load_all(rendered) if doc]
    return objects


def test_the_deploy_role_can_write_every_object_of_the_chart_and_nothing_else(chart_objects):
    _, role, _ = list(yaml.safe_load_all(APP_NAMESPACE.read_text()))
    granted = {
        (group, resource)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        if {"create", "update", "patch", "delete"} <= set(rule["verbs"])
    }
    kinds = set()
    for obj in chart_objects:
        group = obj["apiVersion"].rpartition("/")[0]
        kinds.add((group, obj["kind"]))
        # Namespaced objects only, in the release namespace.
        assert obj["metadata"].get("namespace") == "webapp", obj["metadata"]
    assert ("elbv2.k8s.aws", "TargetGroupBinding") in kinds
    for group, kind in kinds:
        if (group, kind) not in EDIT_ROLE_KINDS:
            assert (group, kind.lower() + "s") in granted, f"{group}/{kind} is not writable"
    # The Role grants nothing the chart does not render.
    assert {(g, r) for g, r in granted} <= {(g, k.lower() + "s") for g, k in kinds}


def test_bootstrap_environments_default_to_the_workflow_ones():
    text = (ROOT / "terraform" / "bootstrap" / "variables.tf").read_text()
    defaults = dict(re.findall(r'^\s+(\w+)\s+= optional\(string, "([^"]+)"\)', text, re.M))
    used = {role: job.get("environment") for _, _, job, role in jobs_assuming_roles()}
    assert defaults == {role: env for role, env in used.items() if env is not None}
    assert json.dumps(sorted(defaults)) == json.dumps(sorted(set(used) - {"plan_pr"}))


def git(repo, *args):
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.test", *args],
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_platform_sync_runs_when_the_platform_changed(tmp_path):
    repo = tmp_path / "repo"
    for part in ("Makefile", "make/iam.mk", "make/tools.mk", "tools/versions.env"):
        (repo / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, repo / part)
    (repo / "platform").mkdir()
    (repo / "platform" / "values.yaml").write_text("a: 1\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    (repo / "platform" / "values.yaml").write_text("a: 2\n")
    git(repo, "commit", "-qam", "platform")
    (repo / "Makefile").write_text((repo / "Makefile").read_text() + "\n")
    git(repo, "commit", "-qam", "other")

    def changed(base):
        result = subprocess.run(
            ["make", "-s", "-C", str(repo), "platform-changed", f"BASE={base}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip()

    assert changed("HEAD~1") == "platform=false"
    assert changed("HEAD~2") == "platform=true"
    assert changed("") == "platform=true"
    assert changed("0" * 40) == "platform=true"
