"""Self-tests of crd_validate.py: good manifests pass, each broken one reports what is wrong.

Each fixture lists the problems it must produce in `# expect: <text>` lines; none means valid.
"""

import contextlib
import io
import pathlib

import crd_validate

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "crd"


def expectations(path):
    return [
        line.split(":", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.startswith("# expect:")
    ]


class TestFixtures:
    @classmethod
    def setup_class(cls):
        cls.validator = crd_validate.Validator()

    def test_fixtures_exist(self):
        broken = [path for path in FIXTURES.glob("*.yaml") if expectations(path)]
        assert len(broken) >= 8

    def test_each_fixture_reports_exactly_its_expected_problems(self):
        for path in sorted(FIXTURES.glob("*.yaml")):
            docs = [doc for doc in crd_validate.documents(str(path)) if self.validator.covers(doc)]
            assert docs, f"{path.name}: a fixture must hold at least one custom resource"
            messages = [message for doc in docs for _, message in self.validator.problems(doc)]
            expected = expectations(path)
            assert len(messages) == len(expected), (path.name, messages)
            for text in expected:
                assert any(text in message for message in messages), (
                    f"{path.name}: {text!r} not in {messages}"
                )

    def test_schema_only_skips_the_webhook_rule(self):
        validator = crd_validate.Validator(schema_only=True)
        (doc,) = crd_validate.documents(str(FIXTURES / "webhook-no-target-group.yaml"))
        assert validator.problems(doc) == []

    def test_command_line_exit_status_and_summary(self):
        for name, status, summary in (
            ("good.yaml", 0, "3 custom resources checked, 0 problems"),
            ("bad-metadata.yaml", 1, "1 custom resources checked, 4 problems"),
        ):
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                assert crd_validate.main([str(FIXTURES / name)]) == status
            assert output.getvalue().splitlines()[-1] == summary
