"""compose.yaml, checked without a Docker engine (there is none on the build machine).

The file and the configs it mounts parse; every bind-mounted host path exists; the image tags are
the pins of tools/versions.env; the compose Prometheus scrapes with the same job and labels as
the local stack and the dashboard proof (localstack.py) and loads the chart's rule files; Grafana
is provisioned with the chart's dashboards and the compose Prometheus.
"""

import json
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboards import ROOT  # noqa: E402
from localstack import prometheus_config  # noqa: E402

COMPOSE = ROOT / "compose.yaml"


def pins() -> dict[str, str]:
    lines = (ROOT / "tools/versions.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def mounts(service: dict) -> dict[str, Path]:
    """Container path -> host path of each bind mount."""
    found = {}
    for volume in service.get("volumes", []):
        host, container = volume.split(":")[:2]
        found[container] = (ROOT / host).resolve()
    return found


def test_compose_matches_the_local_stack(tool):
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    problems = []

    versions = pins()
    for name, pin in (
        ("prometheus", "COMPOSE_PROMETHEUS_IMAGE"),
        ("grafana", "COMPOSE_GRAFANA_IMAGE"),
    ):
        if services[name]["image"] != versions[pin]:
            problems.append(f"{name}: image {services[name]['image']} is not {pin}={versions[pin]}")
    build = services["webapp"]["build"]
    if not (ROOT / build["context"] / build["dockerfile"]).is_file():
        problems.append(f"webapp: {build['dockerfile']} not found in context {build['context']}")

    for name, service in services.items():
        for container, host in mounts(service).items():
            if not host.exists():
                problems.append(f"{name}: mounts {host} at {container}, but it does not exist")

    prom_mounts = mounts(services["prometheus"])
    config = yaml.safe_load(prom_mounts["/etc/prometheus/prometheus.yml"].read_text())
    if prom_mounts.get("/etc/prometheus/rules") != (ROOT / "charts/webapp/files/rules").resolve():
        problems.append(
            "prometheus: the chart's rule files are not mounted at /etc/prometheus/rules"
        )
    if config["rule_files"] != ["/etc/prometheus/rules/*.yaml"]:
        problems.append(
            f"prometheus: rule_files {config['rule_files']} do not load the mounted rules"
        )
    local = json.loads(prometheus_config(9090, "local", "webapp-compose", "5s"))
    for key in ("job_name", "metrics_path"):
        if config["scrape_configs"][0][key] != local["scrape_configs"][0][key]:
            problems.append(f"prometheus: scrape {key} differs from localstack.py")
    compose_labels = config["scrape_configs"][0]["static_configs"][0]["labels"]
    local_labels = local["scrape_configs"][0]["static_configs"][0]["labels"]
    if compose_labels != local_labels:
        problems.append(
            f"prometheus: scrape labels {compose_labels} differ from localstack.py's {local_labels}"
        )
    target = config["scrape_configs"][0]["static_configs"][0]["targets"][0]
    if target != "webapp:9090":
        problems.append(
            f"prometheus: scrapes {target}, not the webapp service's admin port webapp:9090"
        )

    grafana_mounts = mounts(services["grafana"])
    provisioning = grafana_mounts["/etc/grafana/provisioning"]
    datasource = yaml.safe_load((provisioning / "datasources/prometheus.yaml").read_text())[
        "datasources"
    ][0]
    if datasource["url"] != "http://prometheus:9090" or datasource["type"] != "prometheus":
        problems.append(f"grafana: data source {datasource} is not the compose Prometheus")
    provider = yaml.safe_load((provisioning / "dashboards/webapp.yaml").read_text())["providers"][0]
    dashboards_at = [
        c
        for c, h in grafana_mounts.items()
        if h == (ROOT / "charts/webapp/files/dashboards").resolve()
    ]
    if len(dashboards_at) != 1 or Path(dashboards_at[0]).parent != Path(
        provider["options"]["path"]
    ):
        problems.append(
            f"grafana: the chart's dashboards ({dashboards_at}) are not one folder under {provider['options']['path']}"
        )

    result = subprocess.run(
        [
            tool("promtool"),
            "check",
            "config",
            "--syntax-only",
            str(prom_mounts["/etc/prometheus/prometheus.yml"]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        problems.append(f"promtool check config: {result.stdout}{result.stderr}")

    assert problems == [], "compose.yaml:\n" + "\n".join(problems)
