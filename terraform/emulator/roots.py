"""The roots the apply test covers. Adding a root: a wrapper under roots/ when it is a module
(a root config under terraform/ needs none), then one Root entry here and a test that runs it."""

from __future__ import annotations

from harness import Root, Step

BUCKET = "123456789012-devops-eks-tfstate"
REPOSITORY = "example-org/devops-eks"
CONNECTION = (
    "arn:aws:codeconnections:eu-west-1:123456789012:connection/00000000-0000-0000-0000-000000000000"
)

# modules/karpenter but its access entry and Pod Identity association, which moto lacks.
KARPENTER_IN_MOTO = [
    "module.karpenter.aws_iam_role_policy_attachment.node",
    "module.karpenter.aws_iam_role_policy.controller",
    "module.karpenter.aws_sqs_queue_policy.interruption",
    "module.karpenter.aws_cloudwatch_event_target.interruption",
    "module.karpenter.aws_ec2_tag.node_security_group",
]

# modules/karpenter through a wrapper, with a stand-in cluster security group.
KARPENTER = Root(
    name="karpenter",
    path="emulator/roots/karpenter",
    targets=["aws_security_group.cluster", *KARPENTER_IN_MOTO],
)

# Every NAT mode and both endpoint settings, switched in turn on one state.
NETWORK = Root(
    name="network",
    path="emulator/roots/network",
    steps=[
        Step({"nat_mode": "single", "enable_interface_endpoints": False}),
        Step({"nat_mode": "one_per_az", "enable_interface_endpoints": True}),
        Step({"nat_mode": "none", "enable_interface_endpoints": True}),
        Step({"nat_mode": "single", "enable_interface_endpoints": False}),
    ],
)

ECR = Root(name="ecr", path="emulator/roots/ecr", steps=[Step({"force_delete": False})])

NLB = Root(name="nlb", path="emulator/roots/nlb")

BOOTSTRAP = Root(
    name="bootstrap",
    path="bootstrap",
    steps=[Step({"state_bucket_name": BUCKET, "github_repository": REPOSITORY})],
    overrides=["allow_destroy_override.tf"],
)

# What moto implements of live/: it has no EKS add-on, access-entry, Pod Identity or CodeBuild
# webhook APIs, so the add-ons, access entries, Pod Identity associations, the node group (after
# the add-ons) and the runner's webhook stay out.
LIVE = Root(
    name="live",
    path="live",
    # The default private API endpoint, reached through the in-VPC runner.
    steps=[
        Step(
            {
                # live/ refuses a cluster without an administrator.
                "admin_principal_arns": ["arn:aws:iam::123456789012:role/Admin"],
                "ci_runner": {
                    "github_repository": REPOSITORY,
                    "codeconnections_arn": CONNECTION,
                },
            }
        )
    ],
    targets=[
        "module.ci_runner[0].aws_codebuild_project.this",
        "module.ci_runner[0].aws_vpc_security_group_egress_rule.https",
        "aws_kms_alias.logs",
        "module.network",
        "module.ecr",
        "module.eks.aws_eks_cluster.this",
        "module.eks.aws_kms_alias.secrets",
        "module.eks.aws_launch_template.node",
        "module.eks.aws_iam_role.pod_identity",
        "module.eks.aws_iam_role_policy_attachment.node",
        "module.eks.aws_iam_role_policy_attachment.pod_identity",
        "module.eks.aws_iam_role_policy.load_balancer_controller",
        "module.eks.aws_vpc_security_group_ingress_rule.api_access",
        "module.nlb",
        "aws_ssm_parameter.published",
        *KARPENTER_IN_MOTO,
    ],
)
