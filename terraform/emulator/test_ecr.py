"""modules/ecr on the emulator, including the force-delete path terraform/README.md describes:
with an image pushed, destroy fails while force_delete = false; applying force_delete = true,
then destroying, empties the account."""

import emulator
import harness
import pytest
import roots


def push_image(endpoint, repository):
    manifest = '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}'
    emulator.client(endpoint, "ecr").put_image(
        repositoryName=repository, imageManifest=manifest, imageTag="v1"
    )


def test_ecr_with_an_image_needs_force_delete(endpoint, tmp_path):
    emulator.reset(endpoint)
    before = emulator.inventory(endpoint)
    workspace = harness.Workspace(roots.ECR, endpoint, tmp_path)
    workspace.init()
    variables = harness.converge(workspace)
    repository = workspace.outputs()["ecr"]["repository_name"]
    push_image(endpoint, repository)

    # Without force_delete a repository that holds images survives destroy.
    with pytest.raises(harness.TerraformError, match="RepositoryNotEmpty"):
        workspace.destroy(variables)

    # The documented way out: apply force_delete = true, then destroy.
    forced = {**variables, "force_delete": True}
    workspace.apply(forced)
    assert workspace.plan_changes(forced) is None
    workspace.destroy(forced)
    harness.assert_nothing_left(endpoint, before, "ecr")
