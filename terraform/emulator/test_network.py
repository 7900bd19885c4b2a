"""modules/network on the emulator: every NAT mode and endpoint setting, switched on one state."""

import dataclasses

import emulator
import harness
import roots

NAT_GATEWAYS = {"none": 0, "single": 1, "one_per_az": 3}


def check_network(variables):
    def check(outputs, endpoint):
        network = outputs["network"]
        assert len(network["nat_gateway_ids"]) == NAT_GATEWAYS[variables["nat_mode"]]
        assert len(network["private_subnet_ids"]) == 3
        assert len(network["public_subnet_ids"]) == 3
        endpoints = emulator.client(endpoint, "ec2").describe_vpc_endpoints(
            Filters=[{"Name": "vpc-id", "Values": [network["vpc_id"]]}]
        )["VpcEndpoints"]
        live = [e for e in endpoints if e["State"].lower() != "deleted"]
        kinds = {e["VpcEndpointType"] for e in live}
        assert ("Interface" in kinds) == variables["enable_interface_endpoints"], kinds
        assert "Gateway" in kinds, "the S3 gateway endpoint is on by default"

    return check


def test_network_modes_converge_and_destroy(endpoint, tmp_path):
    steps = [dataclasses.replace(s, check=check_network(s.variables)) for s in roots.NETWORK.steps]
    harness.cycle(dataclasses.replace(roots.NETWORK, steps=steps), endpoint, tmp_path)
