# Plans the cluster against a mocked AWS provider: roles, node hardening, access, add-ons.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_eks_cluster" {
    defaults = {
      arn                   = "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"
      endpoint              = "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
      certificate_authority = [{ data = "bW9ja2Vk" }]
    }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
}

variables {
  vpc_id                   = "vpc-0123456789abcdef0"
  private_subnet_ids       = ["subnet-priv-a", "subnet-priv-b", "subnet-priv-c"]
  log_kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555"
  deploy_role_arn          = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-deploy"
  platform_sync_role_arn   = "arn:aws:iam::123456789012:role/devops-eks-cluster-ci-platform-sync"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/devops-eks-cluster-permissions-boundary"
  admin_principal_arns = [
    "arn:aws:iam::123456789012:role/platform-admin",
  ]
  load_balancer_target_group_arns = [
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/devops-eks-cluster/0123456789abcdef",
  ]
  addon_versions = {
    vpc-cni                = "v1.21.1-eksbuild.1"
    coredns                = "v1.13.1-eksbuild.1"
    kube-proxy             = "v1.35.0-eksbuild.2"
    eks-pod-identity-agent = "v1.3.10-eksbuild.1"
    metrics-server         = "v0.8.0-eksbuild.1"
    aws-ebs-csi-driver     = "v1.53.0-eksbuild.1"
  }
}

run "cluster_defaults" {
  command = plan

  assert {
    condition     = aws_eks_cluster.this.name == "devops-eks-cluster" && aws_eks_cluster.this.version == "1.35"
    error_message = "The cluster is devops-eks-cluster on the pinned Kubernetes version."
  }

  assert {
    condition     = aws_eks_cluster.this.access_config[0].authentication_mode == "API" && aws_eks_cluster.this.access_config[0].bootstrap_cluster_creator_admin_permissions == false
    error_message = "Access must use access entries only (API mode), with no implicit creator admin."
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_private_access && !aws_eks_cluster.this.vpc_config[0].endpoint_public_access
    error_message = "With no public_access_cidrs the API endpoint must be private only."
  }

  assert {
    condition     = toset(aws_eks_cluster.this.vpc_config[0].subnet_ids) == toset(var.private_subnet_ids)
    error_message = "The control plane's ENIs must be in the private subnets."
  }

  assert {
    condition     = aws_eks_cluster.this.encryption_config[0].resources == toset(["secrets"]) && aws_eks_cluster.this.encryption_config[0].provider[0].key_arn == aws_kms_key.secrets.arn && aws_kms_key.secrets.enable_key_rotation
    error_message = "Secrets must be encrypted with the module's rotating KMS key."
  }

  assert {
    condition     = aws_eks_cluster.this.enabled_cluster_log_types == toset(["api", "audit", "authenticator"]) && aws_cloudwatch_log_group.cluster.name == "/aws/eks/devops-eks-cluster/cluster" && aws_cloudwatch_log_group.cluster.retention_in_days == 30
    error_message = "api, audit and authenticator logs must go to /aws/eks/<cluster>/cluster with retention."
  }

  assert {
    condition     = [for a in aws_iam_role_policy_attachment.cluster : a.policy_arn] == ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
    error_message = "The cluster role must have AmazonEKSClusterPolicy and nothing else."
  }

  assert {
    condition     = toset([for a in aws_iam_role_policy_attachment.node : a.policy_arn]) == toset(["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"])
    error_message = "The node role must have exactly AmazonEKSWorkerNodePolicy and AmazonEC2ContainerRegistryPullOnly."
  }

  assert {
    condition     = [for a in aws_iam_role_policy_attachment.pod_identity : a.policy_arn if a.policy_arn == "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"] == ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"] && aws_iam_role_policy_attachment.pod_identity["vpc-cni"].policy_arn == "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
    error_message = "The CNI policy must be attached once, to the vpc-cni Pod Identity role."
  }
}

run "nodes_are_private_and_hardened" {
  command = plan

  assert {
    condition     = toset(aws_eks_node_group.default.subnet_ids) == toset(var.private_subnet_ids)
    error_message = "Worker nodes must be in the private subnets only."
  }

  assert {
    condition     = length(aws_launch_template.node.network_interfaces) == 0
    error_message = "The launch template must not define interfaces (which could request a public IP); nodes inherit the private subnets' no-public-IP setting."
  }

  assert {
    condition     = aws_launch_template.node.metadata_options[0].http_tokens == "required" && aws_launch_template.node.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 must be required with hop limit 1."
  }

  assert {
    condition     = aws_launch_template.node.block_device_mappings[0].ebs[0].volume_type == "gp3" && aws_launch_template.node.block_device_mappings[0].ebs[0].encrypted == "true"
    error_message = "The root volume must be encrypted gp3."
  }

  assert {
    condition     = aws_eks_node_group.default.ami_type == "AL2023_x86_64_STANDARD" && aws_eks_node_group.default.update_config[0].max_unavailable == 1
    error_message = "Nodes must run AL2023 and roll one at a time."
  }

  assert {
    condition     = aws_eks_node_group.default.scaling_config[0].min_size == 2 && aws_eks_node_group.default.scaling_config[0].max_size == 4 && aws_eks_node_group.default.instance_types == tolist(["t3.large"])
    error_message = "Node group sizes and instance types must come from the variables."
  }
}

run "nodes_carry_platform_tags" {
  command = plan

  variables {
    tags = { Team = "platform" }
  }

  # The provider's default_tags, which reach the nodes only through the launch template.
  override_data {
    target = data.aws_default_tags.current
    values = { tags = { Project = "devops-eks", ManagedBy = "terraform" } }
  }

  assert {
    condition     = toset([for spec in aws_launch_template.node.tag_specifications : spec.resource_type]) == toset(["instance", "volume"])
    error_message = "The launch template must tag both the instances and their volumes."
  }

  assert {
    condition = alltrue([for spec in aws_launch_template.node.tag_specifications : spec.tags == tomap({
      Project   = "devops-eks"
      ManagedBy = "terraform"
      Team      = "platform"
      Name      = "devops-eks-cluster-node"
    })])
    error_message = "Node instances and volumes must carry the provider's default tags, the module's tags and their Name."
  }
}

run "access_entries" {
  command = plan

  assert {
    condition     = keys(aws_eks_access_entry.admin) == ["arn:aws:iam::123456789012:role/platform-admin"] && alltrue([for a in aws_eks_access_policy_association.admin : endswith(a.policy_arn, "/AmazonEKSClusterAdminPolicy") && a.access_scope[0].type == "cluster"])
    error_message = "Each admin principal must get a cluster-scoped AmazonEKSClusterAdminPolicy."
  }

  assert {
    condition = (
      aws_eks_access_entry.deploy[0].principal_arn == var.deploy_role_arn
      && aws_eks_access_policy_association.deploy[0].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
      && aws_eks_access_policy_association.deploy[0].access_scope[0].type == "namespace"
      && aws_eks_access_policy_association.deploy[0].access_scope[0].namespaces == toset(["webapp"])
      && aws_eks_access_entry.deploy[0].kubernetes_groups == toset(["app-deployers"])
    )
    error_message = "The app deploy role must get Kubernetes' edit role in the app namespace only (no cluster scope, no RBAC), plus its group for the Role the platform sync binds there."
  }

  assert {
    condition = (
      aws_eks_access_entry.platform_sync[0].principal_arn == var.platform_sync_role_arn
      && aws_eks_access_policy_association.platform_sync[0].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
      && aws_eks_access_policy_association.platform_sync[0].access_scope[0].type == "cluster"
    )
    error_message = "The platform sync role, in its own job, is the one CI identity with cluster-wide rights."
  }
}

run "roles_carry_the_permissions_boundary" {
  command = plan

  assert {
    condition = alltrue(concat(
      [aws_iam_role.cluster.permissions_boundary == var.permissions_boundary_arn, aws_iam_role.node.permissions_boundary == var.permissions_boundary_arn],
      [for role in aws_iam_role.pod_identity : role.permissions_boundary == var.permissions_boundary_arn],
    ))
    error_message = "Every role the module creates must carry the permissions boundary: the CI apply role cannot create it otherwise."
  }
}

run "public_endpoint_restricted" {
  command = plan

  variables {
    endpoint_access     = "public_cidrs"
    public_access_cidrs = ["203.0.113.0/24"]
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_public_access && aws_eks_cluster.this.vpc_config[0].public_access_cidrs == toset(["203.0.113.0/24"]) && aws_eks_cluster.this.vpc_config[0].endpoint_private_access
    error_message = "The public endpoint must be open to the listed CIDRs only, with the private endpoint still on."
  }

  assert {
    condition     = output.endpoint_access == "public_cidrs"
    error_message = "The endpoint_access output must name the mode, for the workflows' runner choice."
  }
}

run "public_endpoint_open_by_explicit_choice" {
  command = plan

  variables {
    endpoint_access = "public_any"
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_public_access && aws_eks_cluster.this.vpc_config[0].public_access_cidrs == toset(["0.0.0.0/0"]) && aws_eks_cluster.this.vpc_config[0].endpoint_private_access
    error_message = "public_any opens the public endpoint to every address, with the private endpoint still on."
  }
}

run "private_endpoint_reachable_from_listed_security_groups" {
  command = plan

  variables {
    api_access_security_group_ids = { ci-runner = "sg-0aaa", bastion = "sg-0bbb" }
  }

  assert {
    condition     = output.endpoint_access == "private" && !aws_eks_cluster.this.vpc_config[0].endpoint_public_access
    error_message = "private is the default and has no public endpoint."
  }

  assert {
    condition = {
      for k, r in aws_vpc_security_group_ingress_rule.api_access : k => [r.referenced_security_group_id, r.from_port, r.to_port, r.ip_protocol, r.security_group_id]
      } == {
      ci-runner = ["sg-0aaa", 443, 443, "tcp", aws_eks_cluster.this.vpc_config[0].cluster_security_group_id]
      bastion   = ["sg-0bbb", 443, 443, "tcp", aws_eks_cluster.this.vpc_config[0].cluster_security_group_id]
    }
    error_message = "Each listed security group gets exactly HTTPS to the cluster security group, nothing else."
  }
}

run "node_group_waits_for_the_egress_path" {
  command = plan

  variables {
    node_egress_dependencies = ["rtb-a_0.0.0.0/0", "vpce-ec2"]
  }

  assert {
    condition     = terraform_data.node_egress.input == tolist(["rtb-a_0.0.0.0/0", "vpce-ec2"])
    error_message = "The node group's egress anchor must carry the network's egress IDs."
  }
}

run "addons_pinned_with_pod_identity" {
  command = plan

  assert {
    condition = merge(
      { for k, a in aws_eks_addon.before_nodes : k => a.addon_version },
      { for k, a in aws_eks_addon.after_nodes : k => a.addon_version },
      { (aws_eks_addon.pod_identity_agent.addon_name) = aws_eks_addon.pod_identity_agent.addon_version },
    ) == var.addon_versions
    error_message = "All six add-ons must be installed at their pinned versions."
  }

  assert {
    condition     = jsondecode(aws_eks_addon.before_nodes["vpc-cni"].configuration_values).enableNetworkPolicy == "true"
    error_message = "vpc-cni must enable network policy (the chart ships NetworkPolicies)."
  }

  assert {
    condition     = one(aws_eks_addon.before_nodes["vpc-cni"].pod_identity_association).service_account == "aws-node" && one(aws_eks_addon.after_nodes["aws-ebs-csi-driver"].pod_identity_association).service_account == "ebs-csi-controller-sa"
    error_message = "vpc-cni and the EBS CSI driver must get their roles through Pod Identity."
  }

  assert {
    condition = {
      for k, r in aws_iam_role.pod_identity : k => merge(
        { principal = jsondecode(r.assume_role_policy).Statement[0].Principal.Service },
        jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals,
      )
      } == {
      for k, sa in {
        "vpc-cni"                      = "kube-system/aws-node"
        "aws-ebs-csi-driver"           = "kube-system/ebs-csi-controller-sa"
        "aws-load-balancer-controller" = "kube-system/aws-load-balancer-controller"
        } : k => {
        principal                                   = "pods.eks.amazonaws.com"
        "aws:RequestTag/eks-cluster-arn"            = "arn:aws:eks:eu-west-1:123456789012:cluster/devops-eks-cluster"
        "aws:RequestTag/kubernetes-namespace"       = split("/", sa)[0]
        "aws:RequestTag/kubernetes-service-account" = split("/", sa)[1]
      }
    }
    error_message = "Each Pod Identity role must trust pods.eks.amazonaws.com for one service account of this cluster only."
  }

  assert {
    condition     = aws_eks_pod_identity_association.load_balancer_controller.namespace == "kube-system" && aws_eks_pod_identity_association.load_balancer_controller.service_account == "aws-load-balancer-controller"
    error_message = "The Load Balancer Controller's service account must be associated with its role."
  }
}

run "load_balancer_controller_can_only_register_targets" {
  command = plan

  assert {
    condition = jsonencode([
      for s in jsondecode(aws_iam_role_policy.load_balancer_controller.policy).Statement : s.Resource
      if contains(s.Action, "elasticloadbalancing:RegisterTargets")
    ]) == jsonencode([var.load_balancer_target_group_arns])
    error_message = "Register/deregister must be scoped to the given target groups."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.load_balancer_controller.policy).Statement : [
        for a in s.Action : can(regex("^(ec2|elasticloadbalancing):(Describe|Get)|^elasticloadbalancing:(Register|Deregister)Targets$", a))
      ]
    ]))
    error_message = "The controller may only describe and (de)register targets, never create or modify load balancers or security groups."
  }
}

run "load_balancer_controller_full_policy_is_opt_in" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.load_balancer_controller_full) == 0
    error_message = "By default the controller must not be able to create load balancers."
  }
}

run "load_balancer_controller_full_policy_when_asked" {
  command = plan

  variables {
    load_balancer_controller_creates_load_balancers = true
  }

  assert {
    condition     = contains(flatten([for s in jsondecode(aws_iam_role_policy.load_balancer_controller_full[0].policy).Statement : s.Action]), "elasticloadbalancing:CreateLoadBalancer")
    error_message = "When asked, the controller gets its upstream policy, which can create load balancers."
  }
}

run "rejects_patch_version" {
  command = plan

  variables {
    kubernetes_version = "1.35.2"
  }

  expect_failures = [var.kubernetes_version]
}

run "rejects_open_public_endpoint" {
  command = plan

  variables {
    endpoint_access     = "public_cidrs"
    public_access_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.public_access_cidrs]
}

run "rejects_public_cidrs_without_cidrs" {
  command = plan

  variables {
    endpoint_access = "public_cidrs"
  }

  expect_failures = [var.public_access_cidrs]
}

run "rejects_cidrs_on_a_private_endpoint" {
  command = plan

  variables {
    public_access_cidrs = ["203.0.113.0/24"]
  }

  expect_failures = [var.public_access_cidrs]
}

run "rejects_unknown_endpoint_access" {
  command = plan

  variables {
    endpoint_access               = "public"
    api_access_security_group_ids = { "CI runner" = "sg-0aaa" }
  }

  expect_failures = [var.endpoint_access, var.api_access_security_group_ids]
}

run "rejects_inconsistent_node_size" {
  command = plan

  variables {
    node_size = { min = 3, desired = 2, max = 4 }
  }

  expect_failures = [var.node_size]
}

run "rejects_non_al2023_ami" {
  command = plan

  variables {
    node_ami_type = "AL2_x86_64"
  }

  expect_failures = [var.node_ami_type]
}

run "rejects_unpinned_addon" {
  command = plan

  variables {
    addon_versions = {
      vpc-cni                = "latest"
      coredns                = "v1.13.1-eksbuild.1"
      kube-proxy             = "v1.35.0-eksbuild.2"
      eks-pod-identity-agent = "v1.3.10-eksbuild.1"
      metrics-server         = "v0.8.0-eksbuild.1"
      aws-ebs-csi-driver     = "v1.53.0-eksbuild.1"
    }
  }

  expect_failures = [var.addon_versions]
}

run "rejects_session_arn_admin" {
  command = plan

  variables {
    admin_principal_arns = ["arn:aws:sts::123456789012:assumed-role/admin/me"]
  }

  expect_failures = [var.admin_principal_arns]
}

run "rejects_bad_deploy_inputs" {
  command = plan

  variables {
    deploy_role_arn          = "devops-eks-cluster-ci-deploy"
    platform_sync_role_arn   = "devops-eks-cluster-ci-platform-sync"
    app_namespace            = "kube-system"
    deploy_kubernetes_group  = "system:masters"
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/not-a-policy"
  }

  expect_failures = [var.deploy_role_arn, var.platform_sync_role_arn, var.app_namespace, var.deploy_kubernetes_group, var.permissions_boundary_arn]
}

run "rejects_a_cluster_nobody_can_administer" {
  command = plan

  variables {
    admin_principal_arns = []
  }

  expect_failures = [var.admin_principal_arns]
}

run "rejects_bad_node_settings" {
  command = plan

  variables {
    node_capacity_type   = "RESERVED"
    node_disk_size_gib   = 8
    node_instance_types  = []
    node_max_unavailable = 0
  }

  expect_failures = [var.node_capacity_type, var.node_disk_size_gib, var.node_instance_types, var.node_max_unavailable]
}

run "rejects_bad_cluster_settings" {
  command = plan

  variables {
    name               = "devops_eks"
    support_type       = "FOREVER"
    log_retention_days = 45
    private_subnet_ids = ["subnet-priv-a"]
  }

  expect_failures = [var.name, var.support_type, var.log_retention_days, var.private_subnet_ids]
}

run "rejects_bad_arns" {
  command = plan

  variables {
    log_kms_key_arn                 = "alias/logs"
    load_balancer_target_group_arns = ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/x/1"]
  }

  expect_failures = [var.log_kms_key_arn, var.load_balancer_target_group_arns]
}

# The name rule shared by every config: no trailing hyphen, at most 28 characters (29 refused).
run "rejects_name_with_trailing_hyphen" {
  command = plan

  variables {
    name = "webapp-"
  }

  expect_failures = [var.name]
}

run "rejects_name_of_29_characters" {
  command = plan

  variables {
    name = "a2345678901234567890123456789"
  }

  expect_failures = [var.name]
}

run "accepts_name_of_28_characters" {
  command = plan

  variables {
    name = "a234567890123456789012345678"
  }
}
