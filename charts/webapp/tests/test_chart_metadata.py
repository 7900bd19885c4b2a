"""The chart's identity agrees with the service's, and the vendored CRDs are upstream's bytes."""

import hashlib
import pathlib
import re
import tarfile
import tempfile
import tomllib

import chartlib
import yaml

CRD_DIR = chartlib.ROOT / "vendor" / "crds"


def git_blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class TestChartMetadata:
    def test_app_version_equals_the_crate_version(self):
        chart = yaml.safe_load((chartlib.CHART / "Chart.yaml").read_text())
        crate = tomllib.loads((chartlib.ROOT / "app" / "Cargo.toml").read_text())["package"][
            "version"
        ]
        assert chart["appVersion"] == crate, (
            "Chart.yaml appVersion must equal app/Cargo.toml version"
        )

    def test_chart_api_v2_supports_every_eks_version(self):
        chart = yaml.safe_load((chartlib.CHART / "Chart.yaml").read_text())
        assert chart["apiVersion"] == "v2"
        assert chart["kubeVersion"] == ">=1.34.0-0"

    def test_package_leaves_out_the_test_tooling(self):
        with tempfile.TemporaryDirectory() as out:
            chartlib.helm("package", str(chartlib.CHART), "--destination", out)
            (archive,) = pathlib.Path(out).glob("webapp-*.tgz")
            with tarfile.open(archive) as package:
                names = package.getnames()
        assert "webapp/templates/tests/readyz.yaml" in names
        assert [name for name in names if name.startswith(("webapp/tests/", "webapp/ci/"))] == []


class TestVendoredCrds:
    def test_files_match_the_blob_ids_in_the_readme(self):
        rows = re.findall(
            r"^\| `([^`]+\.yaml)` \|.*\| `([0-9a-f]{40})` \|$",
            (CRD_DIR / "README.md").read_text(),
            re.MULTILINE,
        )
        listed = dict(rows)
        assert sorted(listed) == sorted(path.name for path in CRD_DIR.glob("*.yaml"))
        for name, blob in listed.items():
            assert git_blob_id((CRD_DIR / name).read_bytes()) == blob, (
                f"{name} differs from upstream"
            )

    def test_license_and_notice_travel_with_them(self):
        assert (
            "Apache License\n                           Version 2.0"
            in (CRD_DIR / "LICENSE").read_text()
        )
        assert "Copyright 2015 CoreOS, Inc" in (CRD_DIR / "NOTICE").read_text()
