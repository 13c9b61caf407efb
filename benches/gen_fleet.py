#!/usr/bin/env python3
"""Write a deterministic `az aks list -o json` export of N clusters.

Usage: gen_fleet.py --clusters N [--subscriptions S] [--seed SEED] --out FILE

The objects have the shape and size of real `az aks list` output (flattened, no
`properties` wrapper, `nodeOsUpgradeChannel` in the Python SDK's casing, network,
identity and pool details), with every node OS channel state, versions on both
sides of the default minimum, Windows pools, stopped and failed clusters.
"""
import argparse
import json
import random
import uuid

REGIONS = ["westeurope", "northeurope", "eastus", "eastus2", "westus3", "uksouth",
           "swedencentral", "germanywestcentral", "australiaeast", "japaneast"]
TEAMS = ["payments", "search", "identity", "platform", "data", "mobile", "checkout", "ml"]
ENVS = ["prod", "staging", "dev", "test"]
NODE_OS = ["SecurityPatch", "NodeImage", "Unmanaged", "None", None]
UPGRADE = ["patch", "stable", "rapid", "node-image", "none", None]
VERSIONS = ["1.31.9", "1.32.7", "1.33.2", "1.33.7", "1.33.10", "1.34.1", "1.34.6", "1.35.3", "1.33"]


def pool(rng, name, mode, os_type, version):
    windows = os_type == "Windows"
    month = rng.randint(1, 11)
    day = rng.randint(1, 28)
    image = (f"AKSWindows-2022-containerd-20348.{rng.randint(2000, 4400)}.26{month:02d}{day:02d}" if windows
             else f"AKSUbuntu-2204gen2containerd-2026{month:02d}.{day:02d}.{rng.randint(0, 2)}")
    return {
        "availabilityZones": ["1", "2", "3"] if mode == "System" else None,
        "count": rng.randint(1, 12),
        "currentOrchestratorVersion": version if version.count(".") == 2 else version + ".9",
        "enableAutoScaling": rng.random() < 0.5,
        "enableEncryptionAtHost": False,
        "enableFips": False,
        "enableNodePublicIp": False,
        "kubeletDiskType": "OS",
        "maxCount": None,
        "maxPods": 30 if windows else 110,
        "minCount": None,
        "mode": mode,
        "name": name,
        "nodeImageVersion": image,
        "orchestratorVersion": version,
        "osDiskSizeGb": 128,
        "osDiskType": "Managed" if windows else "Ephemeral",
        "osSku": "Windows2022" if windows else rng.choice(["Ubuntu", "AzureLinux"]),
        "osType": os_type,
        "powerState": {"code": "Running"},
        "provisioningState": "Succeeded",
        "scaleSetPriority": None,
        "tags": None,
        "type": "VirtualMachineScaleSets",
        "upgradeSettings": {"drainTimeoutInMinutes": None, "maxSurge": "10%", "nodeSoakDurationInMinutes": None},
        "vmSize": "Standard_D4s_v5" if windows else rng.choice(["Standard_D4ds_v5", "Standard_D8ds_v5", "Standard_E8ds_v5"]),
        "vnetSubnetId": None,
    }


def cluster(rng, index, subscription):
    team = rng.choice(TEAMS)
    env = rng.choice(ENVS)
    region = rng.choice(REGIONS)
    name = f"aks-{team}-{env}-{region[:6]}-{index:05d}"
    group = f"rg-{team}-{env}"
    version = rng.choice(VERSIONS)
    upgrade = rng.choice(UPGRADE)
    node_os = "NodeImage" if upgrade == "node-image" else rng.choice(NODE_OS)
    pools = [pool(rng, "system", "System", "Linux", version)]
    for n in range(rng.randint(0, 3)):
        windows = rng.random() < 0.15
        pool_version = version if rng.random() < 0.9 else rng.choice(VERSIONS)
        pools.append(pool(rng, f"win{n}" if windows else f"user{n}", "User", "Windows" if windows else "Linux", pool_version))
    state = rng.random()
    power = "Stopped" if state < 0.04 else "Running"
    provisioning = "Failed" if 0.04 <= state < 0.06 else "Succeeded"
    profile = None if upgrade is None and node_os is None else {"nodeOsUpgradeChannel": node_os, "upgradeChannel": upgrade}
    rid = f"/subscriptions/{subscription}/resourcegroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}"
    return {
        "aadProfile": None,
        "addonProfiles": {"azureKeyvaultSecretsProvider": {"config": None, "enabled": False, "identity": None},
                          "azurepolicy": {"config": None, "enabled": True, "identity": None}},
        "agentPoolProfiles": pools,
        "apiServerAccessProfile": None,
        "autoScalerProfile": None,
        "autoUpgradeProfile": profile,
        "azurePortalFqdn": f"{name}-{index:08x}.portal.hcp.{region}.azmk8s.io",
        "currentKubernetesVersion": version if version.count(".") == 2 else version + ".9",
        "disableLocalAccounts": False,
        "dnsPrefix": name[:40],
        "enableRbac": True,
        "fqdn": f"{name[:40]}-{index:08x}.hcp.{region}.azmk8s.io",
        "id": rid,
        "identity": {"principalId": str(uuid.UUID(int=rng.getrandbits(128))), "tenantId": "72f988bf-0000-0000-0000-000000000000",
                     "type": "SystemAssigned", "userAssignedIdentities": None},
        "kubernetesVersion": version,
        "location": region,
        "maxAgentPools": 100,
        "name": name,
        "networkProfile": {"dnsServiceIp": "10.0.0.10", "loadBalancerSku": "standard", "networkPlugin": "azure",
                           "networkPluginMode": "overlay", "networkPolicy": "cilium", "outboundType": "loadBalancer",
                           "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16"},
        "nodeResourceGroup": f"MC_{group}_{name}_{region}",
        "oidcIssuerProfile": {"enabled": True, "issuerUrl": f"https://{region}.oic.prod-aks.azure.com/{index}/"},
        "powerState": {"code": power},
        "provisioningState": provisioning,
        "resourceGroup": group,
        "securityProfile": {"imageCleaner": {"enabled": True, "intervalHours": 168}, "workloadIdentity": {"enabled": True}},
        "sku": {"name": "Base", "tier": rng.choice(["Free", "Standard", "Premium"])},
        "supportPlan": "KubernetesOfficial",
        "tags": {"env": env, "team": team, "owner": f"{team}-oncall@example.com"},
        "type": "Microsoft.ContainerService/ManagedClusters",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, required=True)
    parser.add_argument("--subscriptions", type=int, default=0, help="default: one per 20 clusters")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    subs = args.subscriptions or max(1, args.clusters // 20)
    subscriptions = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(subs)]
    fleet = [cluster(rng, i, subscriptions[i % subs]) for i in range(args.clusters)]
    with open(args.out, "w") as f:
        json.dump(fleet, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
