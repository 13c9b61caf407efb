//! One case per input shape, and the errors bad input gets.

use super::*;
use crate::model::{Cluster, Origin};

fn read(json: &str) -> Fleet {
    parse(json.as_bytes(), "fleet.json").unwrap_or_else(|e| panic!("{e}"))
}

fn only(json: &str) -> Cluster {
    let fleet = read(json);
    assert_eq!(fleet.clusters.len(), 1, "{fleet:?}");
    fleet.clusters.into_iter().next().unwrap()
}

const ARM_CLUSTER: &str = r#"{
  "id": "/subscriptions/sub-1/resourcegroups/team(prod).eu/providers/Microsoft.ContainerService/managedClusters/aks-1",
  "name": "aks-1", "type": "Microsoft.ContainerService/ManagedClusters", "location": "westeurope",
  "tags": {"env": "prod", "cost": 12},
  "sku": {"name": "Base", "tier": "Standard"},
  "properties": {
    "kubernetesVersion": "1.34", "currentKubernetesVersion": "1.34.6", "provisioningState": "Succeeded",
    "powerState": {"code": "Running"}, "supportPlan": "KubernetesOfficial",
    "autoUpgradeProfile": {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"},
    "agentPoolProfiles": [
      {"name": "system", "count": 3, "mode": "System", "osType": "Linux", "osSKU": "Ubuntu",
       "orchestratorVersion": "1.34", "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202609.15.0"},
      {"name": "win22", "count": 1, "mode": "User", "osType": "Windows", "osSKU": "Windows2022"}
    ]
  }
}"#;

#[test]
fn an_arm_list_response_gives_every_field_of_the_model() {
    let cluster = only(&format!(r#"{{"value": [{ARM_CLUSTER}], "nextLink": null}}"#));
    assert_eq!(cluster.name, "aks-1");
    assert_eq!(cluster.subscription_id, "sub-1");
    assert_eq!(cluster.resource_group, "team(prod).eu");
    assert_eq!(cluster.location, "westeurope");
    assert_eq!(cluster.tags.get("env").map(String::as_str), Some("prod"));
    assert_eq!(cluster.tags.get("cost").map(String::as_str), Some("12"));
    assert_eq!(cluster.kubernetes_version.as_deref(), Some("1.34"));
    assert_eq!(cluster.current_kubernetes_version.as_deref(), Some("1.34.6"));
    assert_eq!(cluster.upgrade_channel.as_deref(), Some("patch"));
    assert_eq!(cluster.node_os_upgrade_channel.as_deref(), Some("NodeImage"));
    assert_eq!(cluster.power_state.as_deref(), Some("Running"));
    assert_eq!(cluster.sku_tier.as_deref(), Some("Standard"));
    assert_eq!(cluster.pools.len(), 2);
    assert_eq!(cluster.pools[0].count, Some(3));
    assert!(cluster.has_windows_pool());
    assert_eq!(cluster.origin, Origin::Deployed);
    assert_eq!(
        cluster.maintenance, None,
        "a list response does not carry maintenance configurations"
    );
}

#[test]
fn a_plain_array_of_arm_resources_is_read_too() {
    assert_eq!(read(&format!("[{ARM_CLUSTER}, {ARM_CLUSTER}]")).clusters.len(), 2);
}

#[test]
fn az_aks_list_output_is_flattened_and_spells_nodeos_differently() {
    let az = r#"[{
      "id": "/subscriptions/sub-2/resourcegroups/rg-x/providers/Microsoft.ContainerService/managedClusters/aks-az",
      "name": "aks-az", "type": "Microsoft.ContainerService/ManagedClusters", "location": "eastus",
      "resourceGroup": "rg-x", "kubernetesVersion": "1.33.7", "provisioningState": "Succeeded",
      "powerState": {"code": "Stopped"},
      "autoUpgradeProfile": {"nodeOsUpgradeChannel": "Unmanaged", "upgradeChannel": null},
      "agentPoolProfiles": [{"name": "nodepool1", "orchestratorVersion": "1.33.7", "osType": "Linux"}]
    }]"#;
    let cluster = only(az);
    assert_eq!(cluster.node_os_upgrade_channel.as_deref(), Some("Unmanaged"));
    assert_eq!(cluster.upgrade_channel, None, "null is absent");
    assert_eq!(cluster.kubernetes_version.as_deref(), Some("1.33.7"));
    assert_eq!(cluster.power_state.as_deref(), Some("Stopped"));
    assert_eq!(cluster.pools[0].name, "nodepool1");
}

#[test]
fn az_aks_show_is_one_object() {
    let cluster = only(
        r#"{"name": "one", "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/one",
        "type": "Microsoft.ContainerService/ManagedClusters", "kubernetesVersion": "1.35.1"}"#,
    );
    assert_eq!(
        (
            cluster.name.as_str(),
            cluster.subscription_id.as_str(),
            cluster.resource_group.as_str()
        ),
        ("one", "s", "g")
    );
}

#[test]
fn resource_graph_rows_come_as_objects_or_as_a_table() {
    let objects = r#"{"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [{
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/arg-1",
        "name": "arg-1", "type": "microsoft.containerservice/managedclusters", "subscriptionId": "s",
        "resourceGroup": "rg", "location": "westeurope", "skuTier": "Free", "kubernetesVersion": "1.34",
        "upgradeChannel": "stable", "nodeOSUpgradeChannel": "SecurityPatch", "powerState": "Running",
        "pools": [{"name": "system", "osType": "Linux"}]}]}"#;
    let cluster = only(objects);
    assert_eq!(cluster.node_os_upgrade_channel.as_deref(), Some("SecurityPatch"));
    assert_eq!(cluster.upgrade_channel.as_deref(), Some("stable"));
    assert_eq!(cluster.power_state.as_deref(), Some("Running"));
    assert_eq!(cluster.sku_tier.as_deref(), Some("Free"));
    assert_eq!(cluster.pools.len(), 1);

    let table = r#"{"data": {"columns": [{"name": "id", "type": "string"}, {"name": "type", "type": "string"},
        {"name": "properties", "type": "object"}],
        "rows": [["/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/t-1",
                  "microsoft.containerservice/managedclusters",
                  {"kubernetesVersion": "1.33.7", "autoUpgradeProfile": {"nodeOSUpgradeChannel": "None"}}]]}}"#;
    let cluster = only(table);
    assert_eq!(cluster.name, "t-1", "the name comes from the id when not projected");
    assert_eq!(cluster.node_os_upgrade_channel.as_deref(), Some("None"));
}

#[test]
fn resource_graph_empty_strings_mean_missing() {
    let row = r#"{"data": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/e",
        "type": "microsoft.containerservice/managedclusters", "kubernetesVersion": "1.34.1",
        "upgradeChannel": "", "nodeOSUpgradeChannel": "", "powerState": "", "skuTier": ""}]}"#;
    let cluster = only(row);
    assert_eq!((cluster.upgrade_channel, cluster.node_os_upgrade_channel), (None, None));
    assert_eq!((cluster.power_state, cluster.sku_tier), (None, None));
    let arm = r#"[{"type": "Microsoft.ContainerService/managedClusters", "properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": ""}}}]"#;
    assert_eq!(
        only(arm).node_os_upgrade_channel.as_deref(),
        Some(""),
        "ARM's own empty string is kept"
    );
}

#[test]
fn psrule_exports_use_pascal_case_and_nest_children() {
    let psrule = r#"[{
      "ResourceId": "/subscriptions/0000/resourceGroups/rg-test/providers/Microsoft.ContainerService/managedClusters/cluster-C",
      "Name": "cluster-C", "Location": "region", "SubscriptionId": "0000", "ResourceGroupName": "rg-test",
      "ResourceType": "Microsoft.ContainerService/managedClusters", "Type": "Microsoft.ContainerService/managedClusters",
      "Properties": {"kubernetesVersion": "1.33.7", "agentPoolProfiles": [{"name": "agentpool", "orchestratorVersion": "1.33.7"}]},
      "resources": [
        {"ResourceType": "Microsoft.Network/virtualNetworks/subnets", "Name": "subnet-A"},
        {"ResourceType": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations", "Name": "aksManagedAutoUpgradeSchedule",
         "Properties": {"maintenanceWindow": {"schedule": {"weekly": {"intervalWeeks": 1, "dayOfWeek": "Sunday"}},
                        "durationHours": 4, "startTime": "00:00", "utcOffset": "+00:00"}}},
        {"type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "cluster-C/user", "properties": {"orchestratorVersion": "1.32.0"}}
      ]
    }, {"ResourceType": "Microsoft.ContainerService/managedClusters/agentPools", "Name": "system", "SubscriptionId": "0000"}]"#;
    let fleet = read(psrule);
    assert_eq!(fleet.skipped, 1, "the standalone pool is not a cluster");
    let cluster = &fleet.clusters[0];
    assert_eq!(cluster.resource_group, "rg-test");
    assert_eq!(cluster.origin, Origin::Deployed);
    let maintenance = cluster.maintenance.as_ref().expect("children were exported");
    assert_eq!(maintenance.len(), 1);
    assert_eq!(maintenance[0].name, "aksManagedAutoUpgradeSchedule");
    assert_eq!(
        maintenance[0].schedule.as_deref().map(|s| &**s),
        Some("Weekly on Sunday 00:00–04:00 +00:00")
    );
    assert_eq!(
        cluster.pools.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["agentpool", "user"]
    );
}

#[test]
fn template_resources_carry_api_version_and_no_subscription() {
    let template = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "contentVersion": "1.0.0.0",
      "resources": [
        {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2025-10-01", "name": "tpl-1",
         "location": "westeurope", "properties": {"kubernetesVersion": "1.30.0", "autoUpgradeProfile": {"upgradeChannel": "stable"}}},
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-01-01", "name": "vnet"}
      ]}"#;
    let fleet = read(template);
    assert_eq!(fleet.skipped, 1);
    let cluster = &fleet.clusters[0];
    assert_eq!(cluster.origin, Origin::Template);
    assert_eq!(cluster.maintenance, Some(vec![]), "a template declares all it has");

    let exported = r#"[{"apiVersion": "2023-03-02", "SubscriptionId": "0000", "Name": "cluster-H",
        "ResourceType": "Microsoft.ContainerService/managedClusters", "Properties": {"kubernetesVersion": "1.33.7"}}]"#;
    assert_eq!(
        only(exported).origin,
        Origin::Deployed,
        "an export keeps its apiVersion but is live data"
    );
}

#[test]
fn keys_and_type_values_match_ignoring_case() {
    let odd = r#"[{"TYPE": "microsoft.containerservice/MANAGEDCLUSTERS", "NAME": "odd",
        "PROPERTIES": {"KubernetesVersion": "1.34.0", "AUTOUPGRADEPROFILE": {"nodeOSupgradeChannel": "securitypatch"}}}]"#;
    let cluster = only(odd);
    assert_eq!(cluster.name, "odd");
    assert_eq!(cluster.kubernetes_version.as_deref(), Some("1.34.0"));
    assert_eq!(cluster.node_os_upgrade_channel.as_deref(), Some("securitypatch"));
}

#[test]
fn files_with_a_byte_order_mark_or_in_utf16_are_read() {
    let json = r#"[{"type": "Microsoft.ContainerService/managedClusters", "name": "bom"}]"#;
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend_from_slice(json.as_bytes());
    assert_eq!(parse(&utf8, "f").unwrap().clusters[0].name, "bom");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(json.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(parse(&utf16, "f").unwrap().clusters[0].name, "bom");
}

#[test]
fn non_cluster_objects_are_skipped_and_counted() {
    let mixed = r#"{"value": [{"type": "Microsoft.Compute/virtualMachines", "name": "vm"},
        {"type": "Microsoft.ContainerService/managedClusters/agentPools", "name": "pool"},
        {"name": "no type and nothing of a cluster"},
        {"name": "typeless but a cluster", "properties": {"kubernetesVersion": "1.34.1"}}]}"#;
    let fleet = read(mixed);
    assert_eq!(fleet.skipped, 3);
    assert_eq!(fleet.clusters.len(), 1);
}

#[test]
fn empty_lists_and_envelopes_are_an_empty_fleet() {
    for json in ["[]", r#"{"value": []}"#, r#"{"data": []}"#, r#"{"value": null}"#] {
        let fleet = read(json);
        assert!(fleet.clusters.is_empty() && fleet.skipped == 0, "{json}");
    }
}

#[test]
fn bad_input_names_the_file_and_the_place_and_what_was_expected() {
    let cases = [
        ("", "fleet.json:1:0: EOF while parsing a value: the file ends too early"),
        (
            "resource aks 'x' = {}",
            "fleet.json:1:1: expected value: this is not JSON",
        ),
        ("[\n  {\"name\": \"a\",}\n]", "fleet.json:2:16: trailing comma"),
        (
            "{\"value\": [\n{\"name\": \"a\"",
            "fleet.json:2:12: EOF while parsing an object: the file ends too early",
        ),
        (
            "42",
            "fleet.json: at $: expected a list of resources or an object, found a number",
        ),
        (
            "{\"value\": \"x\"}",
            "fleet.json: at $.value: expected an array of resources, found a string",
        ),
        ("[1]", "fleet.json: at $[0]: expected a resource object, found a number"),
        (
            r#"{"value": [{}, {"type": "Microsoft.ContainerService/managedClusters", "properties": {"kubernetesVersion": 1.33}}]}"#,
            "fleet.json: at $.value[1].properties.kubernetesVersion: expected a string, found a number",
        ),
        (
            r#"[{"type": "Microsoft.ContainerService/managedClusters", "Properties": "oops"}]"#,
            "fleet.json: at $[0].Properties: expected an object, found a string",
        ),
        (
            r#"[{"type": "Microsoft.ContainerService/managedClusters", "properties": {"agentPoolProfiles": [{"count": -1}]}}]"#,
            "fleet.json: at $[0].properties.agentPoolProfiles[0].count: expected a whole number, found a number",
        ),
        (
            r#"{"data": {"columns": [{"name": "id"}], "rows": [["a", "b"]]}}"#,
            "at $.data.rows[0]: expected 1 cells",
        ),
        ("[] []", "fleet.json:1:4: trailing characters"),
    ];
    for (input, want) in cases {
        let err = parse(input.as_bytes(), "fleet.json").expect_err(input).to_string();
        assert!(
            err.starts_with(want) || err.contains(want),
            "{input:?}\n gave {err}\n want {want}"
        );
    }
    let not_utf8 = parse(&[b'[', 0xff, b']'], "fleet.json").unwrap_err().to_string();
    assert!(not_utf8.contains("not UTF-8"), "{not_utf8}");
}

#[test]
fn hostile_input_never_panics() {
    let deep = "[".repeat(10_000);
    assert!(parse(deep.as_bytes(), "f").is_err());
    let inputs: [&[u8]; 8] = [
        b"{\"value\": [{\"type\": \"Microsoft.ContainerService/managedClusters\", \"id\": \"////\"}]}",
        b"{\"data\": {\"columns\": 5, \"rows\": []}}",
        b"{\"data\": {\"columns\": [], \"rows\": [1]}}",
        b"[{\"type\": null, \"properties\": {\"agentPoolProfiles\": [null]}}]",
        b"[{\"type\": \"Microsoft.ContainerService/managedClusters\", \"resources\": [1, null, {\"type\": 5}]}]",
        b"\xff\xfe\x00",
        b"\xfe\xff\x00\x5b\x00",
        b"{\"$schema\": \"deploymentTemplate\", \"resources\": 7}",
    ];
    for input in inputs {
        let _ = parse(input, "f");
    }
}

#[test]
fn merging_files_keeps_one_copy_of_a_cluster_read_twice() {
    let a = read(&format!("[{ARM_CLUSTER}]"));
    let mut b = a.clone();
    b.clusters[0].kubernetes_version = Some("1.35.0".into());
    b.clusters[0].id = b.clusters[0].id.to_uppercase();
    b.skipped = 2;
    let merged = merge([a, b]);
    assert_eq!(merged.clusters.len(), 1);
    assert_eq!(merged.clusters[0].kubernetes_version.as_deref(), Some("1.35.0"));
    assert_eq!(merged.skipped, 2);
    assert_eq!(merged.duplicates, 1, "the repeat is counted");
}

#[test]
fn five_objects_with_one_id_in_one_file_are_one_cluster_the_last_and_four_duplicates() {
    let id = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/aks";
    let objects: Vec<String> = (1..=5)
        .map(|i| format!(r#"{{"id": "{id}", "name": "aks", "kubernetesVersion": "1.3{i}.0"}}"#))
        .collect();
    let other = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/other", "kubernetesVersion": "1.34.0"}"#;
    let fleet = merge([read(&format!("[{}, {other}]", objects.join(", ")))]);
    let versions: Vec<_> = fleet.clusters.iter().map(|c| c.kubernetes_version.as_deref()).collect();
    assert_eq!(
        versions,
        [Some("1.35.0"), Some("1.34.0")],
        "the later copy, in the first place"
    );
    assert_eq!(fleet.duplicates, 4);
    let without_ids = merge([read(
        r#"[{"kubernetesVersion": "1.1.1"}, {"kubernetesVersion": "1.1.1"}]"#,
    )]);
    assert_eq!(
        (without_ids.clusters.len(), without_ids.duplicates),
        (2, 0),
        "no id is no repeat"
    );
}

#[test]
fn a_cluster_whose_id_does_not_read_is_left_out_with_its_file_and_path() {
    let good = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/good";
    let cases = [
        (
            "/subscriptions//resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x",
            "no subscription id",
        ),
        (
            "/subscriptions/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x",
            "stands where",
        ),
        (
            "/subscriptions/s/providers/Microsoft.ContainerService/managedClusters/x",
            "no `/resourceGroups/{name}`",
        ),
        (
            "/subscriptions/s/resourceGroups/g",
            "no `/providers/{namespace}/{type}/{name}`",
        ),
        ("aks-1", "does not start with `/subscriptions/`"),
    ];
    for (bad, why) in cases {
        let json = format!(
            r#"{{"value": [{{"id": "{good}", "type": "Microsoft.ContainerService/managedClusters"}},
                {{"id": "{bad}", "name": "x", "type": "Microsoft.ContainerService/managedClusters"}}]}}"#
        );
        let fleet = read(&json);
        let names: Vec<_> = fleet.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["good"],
            "{bad}: the rest of the file is read, this one left out"
        );
        let [error] = fleet.errors.as_slice() else {
            panic!("{bad}: {:?}", fleet.errors)
        };
        assert_eq!(error.code.as_deref(), Some(INVALID_ID));
        assert!(
            error.message.starts_with("fleet.json: at $.value[1].id: "),
            "{}",
            error.message
        );
        assert!(error.message.contains(why), "{bad}: {}", error.message);
        assert!(error.message.contains("no fix"), "{}", error.message);
        assert_eq!(error.subscription_id, None, "no guessed subscription");
    }
    let psrule = r#"[{"ResourceId": "/subscriptions//resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/p",
        "ResourceType": "Microsoft.ContainerService/managedClusters", "SubscriptionId": "s"}]"#;
    let fleet = read(psrule);
    assert!(fleet.clusters.is_empty());
    assert!(
        fleet.errors[0].message.contains("at $[0].ResourceId: "),
        "{}",
        fleet.errors[0].message
    );
    let template =
        r#"[{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2025-10-01", "name": "t"}]"#;
    assert_eq!(
        read(template).clusters.len(),
        1,
        "a template resource has no id, and needs none"
    );
}

#[test]
fn a_list_page_gives_its_paging_links() {
    let page = format!(r#"{{"value": [{ARM_CLUSTER}], "nextLink": "https://management.azure.com/x?$skipToken=2"}}"#);
    let (fleet, links) = parse_page(page.as_bytes(), "page").unwrap();
    assert_eq!(fleet.clusters.len(), 1);
    assert_eq!(
        links.next_link.as_deref(),
        Some("https://management.azure.com/x?$skipToken=2")
    );
    let graph = r#"{"$skipToken": "abc", "totalRecords": 3, "count": 1, "data": [{"type": "microsoft.containerservice/managedclusters", "name": "g"}]}"#;
    let (fleet, links) = parse_page(graph.as_bytes(), "page").unwrap();
    assert_eq!((fleet.clusters.len(), links.skip_token.as_deref()), (1, Some("abc")));
    let last = parse_page(br#"{"value": [], "nextLink": null}"#, "page").unwrap().1;
    assert_eq!(last, PageLinks::default());
}

// Where each cluster is declared: the `{` that opens it (the `[` of a table row).

/// The line and column of the `{` that opens the object whose text starts at `opening`
/// in `text`, counted the slow and obvious way: UTF-16 units since the last LF.
fn place_of(text: &str, opening: &str) -> (usize, usize) {
    let at = text
        .find(opening)
        .unwrap_or_else(|| panic!("{opening:?} is in the text"));
    place_at(text, at)
}

/// The line and column of the character at byte `at`, counted the same slow way.
fn place_at(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..at].encode_utf16().count() + 1)
}

fn places(fleet: &Fleet) -> Vec<(String, usize, usize)> {
    fleet
        .clusters
        .iter()
        .map(|c| {
            let source = c.source.as_ref().unwrap_or_else(|| panic!("{} has a source", c.name));
            (source.file.to_string(), source.line, source.column)
        })
        .collect()
}

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "clusterName": { "type": "string" }
  },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "vnet"
    },
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2025-10-01",
      "name": "[parameters('clusterName')]",
      "location": "westeurope",
      "properties": {
        "kubernetesVersion": "1.33.7",
        "autoUpgradeProfile": { "upgradeChannel": "patch" }
      }
    }
  ]
}
"#;

#[test]
fn a_template_cluster_points_at_the_line_and_column_of_its_opening_brace() {
    let fleet = parse(TEMPLATE.as_bytes(), "infra/main.json").expect("a valid template");
    assert_eq!(places(&fleet), [("infra/main.json".to_string(), 13, 5)]);
    assert_eq!(
        place_of(TEMPLATE, "{\n      \"type\": \"Microsoft.ContainerService"),
        (13, 5)
    );
}

#[test]
fn template_language_2_symbolic_names_point_at_each_resource_body() {
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "resources": {
    "vnet": { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet" },
    "prod": {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2025-10-01",
      "name": "aks-prod",
      "properties": { "kubernetesVersion": "1.33.7" }
    },
    "dev": {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2025-10-01",
      "name": "aks-dev"
    }
  }
}"#;
    let fleet = read(template);
    // Symbolic names are read in name order, as before positions were kept.
    let named: Vec<(&str, usize, usize)> = fleet
        .clusters
        .iter()
        .map(|c| {
            let s = c.source.as_ref().expect("a source");
            (c.name.as_str(), s.line, s.column)
        })
        .collect();
    assert_eq!(named, [("aks-dev", 13, 12), ("aks-prod", 7, 13)]);
    assert_eq!(
        place_of(
            template,
            "{\n      \"type\": \"Microsoft.ContainerService/managedClusters\",\n      \"apiVersion\": \"2025-10-01\",\n      \"name\": \"aks-dev\""
        ),
        (13, 12)
    );
}

#[test]
fn bicep_build_output_points_at_each_cluster() {
    // The shape `bicep build` writes: generator metadata, expressions, a loop's copy.
    let built = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "metadata": {
    "_generator": { "name": "bicep", "version": "0.30.23.60470", "templateHash": "1234" }
  },
  "parameters": { "location": { "type": "string", "defaultValue": "[resourceGroup().location]" } },
  "resources": [
    {
      "copy": { "name": "clusters", "count": "[length(variables('names'))]" },
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2025-10-01",
      "name": "[variables('names')[copyIndex()]]",
      "location": "[parameters('location')]",
      "properties": { "autoUpgradeProfile": { "nodeOSUpgradeChannel": "None" } }
    },
    {
      "type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
      "apiVersion": "2025-10-01",
      "name": "[format('{0}/{1}', 'aks', 'aksManagedAutoUpgradeSchedule')]"
    },
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2025-10-01",
      "name": "aks-single",
      "location": "[parameters('location')]"
    }
  ]
}"#;
    let fleet = parse(built.as_bytes(), "main.json").expect("bicep output");
    assert_eq!(
        places(&fleet),
        [("main.json".to_string(), 9, 5), ("main.json".to_string(), 22, 5)]
    );
}

#[test]
fn every_export_shape_points_at_each_cluster() {
    let cluster = |name: &str| {
        format!(
            r#"{{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/{name}",
      "name": "{name}", "type": "Microsoft.ContainerService/managedClusters", "kubernetesVersion": "1.34.1"}}"#
        )
    };
    let (a, b) = (cluster("a"), cluster("b"));
    let az_list = format!("[\n  {a},\n  {{\"type\": \"Microsoft.Compute/virtualMachines\"}},\n    {b}\n]");
    let az_show = format!("\n\n   {a}\n");
    let arm_list = format!("{{\"nextLink\": null,\n \"value\": [\n{a}, {b}]}}");
    let graph = format!("{{\"totalRecords\": 2,\n  \"data\": [ {a},\n\t{b} ]\n}}");
    let psrule = r#"[
  {
    "ResourceId": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a",
    "Name": "a", "SubscriptionId": "0000", "ResourceType": "Microsoft.ContainerService/managedClusters",
    "Properties": {"kubernetesVersion": "1.33.7"}, "resources": []
  }, {
    "ResourceId": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/b",
    "Name": "b", "SubscriptionId": "0000", "ResourceType": "Microsoft.ContainerService/managedClusters"
  }
]"#
    .to_string();
    let cases = [
        ("az aks list", az_list, vec![(2, 3), (5, 5)]),
        ("az aks show", az_show, vec![(3, 4)]),
        ("ARM list", arm_list, vec![(3, 1), (4, 106)]),
        ("Resource Graph", graph, vec![(2, 13), (4, 2)]),
        ("PSRule export", psrule, vec![(2, 3), (6, 6)]),
    ];
    for (shape, text, want) in cases {
        let fleet = parse(text.as_bytes(), "export.json").unwrap_or_else(|e| panic!("{shape}: {e}"));
        let got: Vec<(usize, usize)> = places(&fleet).into_iter().map(|(_, l, c)| (l, c)).collect();
        // The same places, counted the slow way from where each cluster's text begins.
        let opening = |name: &str| {
            let id = format!("/managedClusters/{name}\"");
            let at = text.find(&id).expect("the id");
            place_at(&text, text[..at].rfind('{').expect("a brace before the id"))
        };
        let slow: Vec<(usize, usize)> = ["a", "b"].iter().take(want.len()).map(|n| opening(n)).collect();
        assert_eq!(got, want, "{shape}:\n{text}");
        assert_eq!(got, slow, "{shape}");
    }
}

#[test]
fn a_resource_graph_table_row_points_at_its_opening_bracket() {
    let table = r#"{"data": {"columns": [{"name": "id", "type": "string"}, {"name": "type", "type": "string"}],
  "rows": [
    ["/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/t-1", "microsoft.containerservice/managedclusters"],
      [ "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/t-2", "microsoft.containerservice/managedclusters"]
  ]}}"#;
    let got: Vec<(usize, usize)> = places(&read(table)).into_iter().map(|(_, l, c)| (l, c)).collect();
    assert_eq!(got, [(3, 5), (4, 7)]);
}

#[test]
fn on_a_minified_line_columns_count_utf16_units_before_the_cluster() {
    // Names with a two-unit character (😀) and a one-unit one (é) before the second cluster.
    let text = r#"[{"type":"Microsoft.ContainerService/managedClusters","name":"é😀"},{"type":"Microsoft.ContainerService/managedClusters","name":"b"}]"#;
    let got: Vec<(usize, usize)> = places(&read(text)).into_iter().map(|(_, l, c)| (l, c)).collect();
    let second = text
        .find(r#"{"type":"Microsoft.ContainerService/managedClusters","name":"b""#)
        .expect("b");
    assert_eq!(got, [(1, 2), (1, text[..second].encode_utf16().count() + 1)]);
    assert_eq!(
        got[1],
        (1, 69),
        "68 UTF-16 units come before it (67 characters, 71 bytes)"
    );
}

#[test]
fn byte_order_marks_utf16_and_crlf_keep_the_same_lines_and_columns() {
    let crlf = TEMPLATE.replace('\n', "\r\n");
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(TEMPLATE.as_bytes());
    let utf16 = |text: &str, le: bool| {
        let mut bytes = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for unit in text.encode_utf16() {
            bytes.extend(if le { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        bytes
    };
    let inputs = [
        ("UTF-8", TEMPLATE.as_bytes().to_vec()),
        ("UTF-8 with BOM", utf8_bom),
        ("CRLF", crlf.as_bytes().to_vec()),
        ("UTF-16 LE", utf16(TEMPLATE, true)),
        ("UTF-16 BE", utf16(TEMPLATE, false)),
        ("UTF-16 LE, CRLF", utf16(&crlf, true)),
    ];
    for (encoding, bytes) in inputs {
        let fleet = parse(&bytes, "t.json").unwrap_or_else(|e| panic!("{encoding}: {e}"));
        assert_eq!(places(&fleet), [("t.json".to_string(), 13, 5)], "{encoding}");
    }
    // Non-ASCII before the cluster on its own line: columns are UTF-16 units in every encoding.
    let wide = "[{\"name\": \"ü😀\", \"type\": \"x\"},   {\"type\": \"Microsoft.ContainerService/managedClusters\"}]";
    for bytes in [wide.as_bytes().to_vec(), utf16(wide, true), utf16(wide, false)] {
        let got: Vec<(usize, usize)> = places(&read_bytes(&bytes))
            .into_iter()
            .map(|(_, l, c)| (l, c))
            .collect();
        assert_eq!(got, [(1, 34)]);
    }
}

fn read_bytes(bytes: &[u8]) -> Fleet {
    parse(bytes, "fleet.json").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_escaped_first_key_still_finds_the_opening_brace() {
    let text = "[\n  {\"\\u0074ype\": \"Microsoft.ContainerService/managedClusters\", \"name\": \"esc\"}\n]";
    let fleet = read(text);
    assert_eq!(fleet.clusters[0].name, "esc");
    assert_eq!(
        fleet.clusters[0].source.as_ref().map(|s| (s.line, s.column)),
        Some((2, 3))
    );
}

#[test]
fn a_single_resource_with_children_keeps_them_and_its_place() {
    let text = "\n{\"type\": \"Microsoft.ContainerService/managedClusters\", \"name\": \"c\", \"SubscriptionId\": \"s\",\n \"resources\": [{\"type\": \"Microsoft.ContainerService/managedClusters/maintenanceConfigurations\", \"name\": \"aksManagedNodeOSUpgradeSchedule\"}]}";
    let cluster = only(text);
    assert_eq!(cluster.source.as_ref().map(|s| (s.line, s.column)), Some((2, 1)));
    let names: Vec<&str> = cluster.maintenance.iter().flatten().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["aksManagedNodeOSUpgradeSchedule"]);
}

#[test]
fn live_pages_are_no_file_and_carry_no_source() {
    let page = format!(r#"{{"value": [{ARM_CLUSTER}]}}"#);
    let (fleet, _) = parse_page(page.as_bytes(), "https://management.azure.com/x").expect("a page");
    assert_eq!(fleet.clusters.len(), 1);
    assert_eq!(fleet.clusters[0].source, None);
}
