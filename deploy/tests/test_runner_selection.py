"""Which runner the cluster-facing jobs get: each `runs-on` expression is evaluated the way
GitHub evaluates it, with and without the in-VPC runner's repository variable."""

import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CI_RUNNER_OUTPUTS = ROOT / "terraform" / "modules" / "ci-runner" / "outputs.tf"
# Steps that talk to the Kubernetes API.
CLUSTER_TARGETS = re.compile(r"\bmake (deploy|rollback|platform-sync|smoke)\b")
GITHUB_HOSTED = "ubuntu-24.04"

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+)|(?P<op>&&|\|\||==|!=|!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*))"
)


def tokens(text):
    position, found = 0, []
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        assert match, f"cannot read {text[position:]!r}"
        assert match.end() > position, f"cannot read {text[position:]!r}"
        found.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return found


def truthy(value):
    return value not in (None, False, 0, "")


class Expression:
    """The part of GitHub's expression language the workflows use: literals, context
    properties, format(), !, ==, !=, && and || (which return an operand, not a boolean)."""

    def __init__(self, text, contexts):
        self.items = tokens(text)
        self.contexts = contexts

    def evaluate(self):
        value = self.either()
        assert not self.items, f"unread tokens {self.items}"
        return value

    def take(self, expected=None):
        kind, text = self.items.pop(0)
        assert expected is None or text == expected, f"expected {expected}, got {text}"
        return kind, text

    def peek(self):
        return self.items[0][1] if self.items else None

    def either(self):
        value = self.both()
        while self.peek() == "||":
            self.take()
            right = self.both()
            value = value if truthy(value) else right
        return value

    def both(self):
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = right if truthy(value) else value
        return value

    def compare(self):
        value = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            value = (value == right) if op == "==" else (value != right)
        return value

    def unary(self):
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.atom()

    def atom(self):
        kind, text = self.take()
        if text == "(":
            value = self.either()
            self.take(")")
            return value
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return int(text)
        if text == "format" and self.peek() == "(":
            self.take("(")
            arguments = [self.either()]
            while self.peek() == ",":
                self.take()
                arguments.append(self.either())
            self.take(")")
            template, *values = arguments
            return re.sub(r"\{(\d+)\}", lambda m: str(values[int(m.group(1))]), template)
        value = self.contexts
        for part in text.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value


def runs_on(job, variables):
    expression = job["runs-on"]
    match = re.fullmatch(r"\$\{\{(.*)\}\}", expression.strip(), re.S)
    if not match:
        return expression
    contexts = {"vars": variables, "github": {"run_id": 4242, "run_attempt": 2}}
    return Expression(match.group(1), contexts).evaluate()


def cluster_jobs():
    found = []
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            scripts = " ".join(step.get("run", "") for step in job.get("steps", []))
            if CLUSTER_TARGETS.search(scripts):
                found.append(pytest.param(job, id=f"{path.name}:{name}"))
    return found


def other_jobs():
    found = []
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            scripts = " ".join(step.get("run", "") for step in job.get("steps", []))
            if "runs-on" in job and not CLUSTER_TARGETS.search(scripts):
                found.append(pytest.param(job, id=f"{path.name}:{name}"))
    return found


def test_the_deploy_job_is_among_the_cluster_jobs():
    assert [p.id for p in cluster_jobs()] == ["app.yml:platform-sync", "app.yml:deploy"]


def cluster_job(job_id):
    (job,) = [p.values[0] for p in cluster_jobs() if p.id == job_id]
    return job


@pytest.mark.parametrize("job", cluster_jobs())
def test_cluster_jobs_run_on_the_in_vpc_runner_when_there_is_one(job):
    label = runs_on(job, {"CI_RUNNER_PROJECT": "devops-eks-cluster-ci"})
    assert label == "codebuild-devops-eks-cluster-ci-4242-2"


@pytest.mark.parametrize("job", cluster_jobs())
@pytest.mark.parametrize("variables", [{}, {"CI_RUNNER_PROJECT": ""}], ids=["unset", "empty"])
def test_cluster_jobs_run_on_github_hosted_runners_without_it(job, variables):
    assert runs_on(job, variables) == GITHUB_HOSTED


def test_the_label_starts_with_what_the_runner_module_answers_to():
    # CodeBuild starts a build only for a label codebuild-<project>-<run id>-<run attempt>.
    outputs = CI_RUNNER_OUTPUTS.read_text()
    assert 'value       = "codebuild-${aws_codebuild_project.this.name}"' in outputs
    job = cluster_job("app.yml:deploy")
    label = runs_on(job, {"CI_RUNNER_PROJECT": "p"})
    assert re.fullmatch(r"codebuild-p-\d+-\d+", label)


@pytest.mark.parametrize("job", other_jobs())
def test_jobs_that_do_not_touch_the_cluster_stay_on_github_hosted_runners(job):
    # The image build needs Docker, which the unprivileged in-VPC runner does not have.
    assert runs_on(job, {"CI_RUNNER_PROJECT": "devops-eks-cluster-ci"}) == GITHUB_HOSTED


def test_the_evaluator_follows_githubs_operand_returning_logic():
    contexts = {"vars": {"A": "x", "E": ""}}
    assert Expression("vars.A && 'yes' || 'no'", contexts).evaluate() == "yes"
    assert Expression("vars.E && 'yes' || 'no'", contexts).evaluate() == "no"
    assert Expression("vars.MISSING || 'fallback'", contexts).evaluate() == "fallback"
    assert Expression("format('{0}-{1}', vars.A, 7)", contexts).evaluate() == "x-7"
    assert Expression("!(vars.A == 'x')", contexts).evaluate() is False


def test_the_platform_sync_step_gets_the_image_cache():
    # Without NAT, platform/sync.sh moves every image to the cache only when it sees this.
    # terraform/live publishes it to SSM with the cache; make platform-outputs exports it
    # to $GITHUB_ENV before the sync (deploy/tests/test_platform_outputs.py), with the VPC id and
    # Karpenter's inputs.
    job = cluster_job("app.yml:platform-sync")
    runs = [s.get("run", "") for s in job["steps"]]
    assert runs.index('make platform-outputs >>"$GITHUB_ENV"') < runs.index("make platform-sync")
    assert "IMAGE_REGISTRY_CACHE" not in str(job)


def test_the_deploy_reads_the_published_outputs_first():
    job = cluster_job("app.yml:deploy")
    runs = [s.get("run", "") for s in job["steps"]]
    assert runs.index('make platform-outputs >>"$GITHUB_ENV"') < runs.index("make deploy")
