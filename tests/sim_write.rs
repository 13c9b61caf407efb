//! The simulator as a read-write AKS, over real HTTP on 127.0.0.1: cluster and agent
//! pool PUTs as long-running operations, the checks AKS makes, entity tags, 409
//! while an operation runs, maintenance configurations, faults on writes, and every
//! view (GET, lists, Resource Graph, upgrade profiles, agent pools) showing a write
//! at once. Operations run on a manual clock, moved forward by the tests: nobody
//! sleeps for an operation to end.

use std::future::Future;
use std::time::Duration;

use aksradar::model::api::{ARM_API_VERSION, CLUSTER_QUERY, GRAPH_API_VERSION};
use aksradar::sim::{SimClock, SimOptions, Simulator};
use serde_json::{Value, json};

const TOKEN: &str = "simulator";
/// The api-version Azure CLI 2.91 writes with.
const CLI_API_VERSION: &str = "2026-06-01";

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test finishes within 60 s");
}

/// A small fleet on a manual clock, operations taking 2 s.
async fn start(options: SimOptions) -> (Simulator, SimClock) {
    let clock = SimClock::manual(time::macros::datetime!(2026-11-26 12:00 UTC));
    let sim = Simulator::start(
        "127.0.0.1:0".parse().expect("address"),
        SimOptions {
            subscriptions: 2,
            clusters_per_subscription: 12,
            seed: 3,
            operation_seconds: 2,
            clock: clock.clone(),
            ..options
        },
    )
    .await
    .expect("the simulator starts");
    (sim, clock)
}

struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    fn new(sim: &Simulator) -> Http {
        Http {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client"),
            base: sim.url(),
        }
    }

    fn url(&self, path: &str, api_version: &str) -> String {
        format!("{}{path}?api-version={api_version}", self.base)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(path, ARM_API_VERSION))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn put(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        self.send(reqwest::Method::PUT, path, CLI_API_VERSION, Some(body), headers)
            .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .client
            .request(method, self.url(path, api_version))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// The cluster's Resource Graph row.
    async fn graph_row(&self, id: &str) -> Value {
        let response = self
            .client
            .post(format!(
                "{}/providers/Microsoft.ResourceGraph/resources?api-version={GRAPH_API_VERSION}",
                self.base
            ))
            .bearer_auth(TOKEN)
            .json(&json!({ "query": CLUSTER_QUERY, "options": { "$top": 1000 } }))
            .send()
            .await
            .expect("sent");
        let body: Value = response.json().await.expect("JSON");
        body["data"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|row| row["id"].as_str().is_some_and(|r| r.eq_ignore_ascii_case(id)))
            .cloned()
            .expect("the cluster's row")
    }

    /// Every cluster of the subscription, as its list shows them.
    async fn listed(&self, sub: &str) -> Vec<Value> {
        let (status, body) = self
            .get(&format!(
                "/subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters"
            ))
            .await;
        assert_eq!(status, 200);
        body["value"].as_array().expect("value").clone()
    }
}

/// The first cluster (of the first subscription) that `wanted` accepts.
fn cluster_where(sim: &Simulator, wanted: impl Fn(&Value) -> bool) -> Value {
    sim.fleet()
        .subscriptions
        .iter()
        .take(1)
        .flat_map(|s| s.cluster_values())
        .find(|c| wanted(c))
        .expect("a cluster like that in the fleet")
}

fn id(cluster: &Value) -> String {
    cluster["id"].as_str().expect("id").to_string()
}

fn current(cluster: &Value) -> &str {
    cluster["properties"]["currentKubernetesVersion"]
        .as_str()
        .expect("version")
}

/// The body `az aks update` sends: the cluster as read, read-only fields and all
/// (the simulator must ignore those), with `change` applied to its properties.
fn update_body(cluster: &Value, change: impl FnOnce(&mut Value)) -> Value {
    let mut body = cluster.clone();
    change(&mut body["properties"]);
    body
}

#[tokio::test]
async fn a_cluster_put_is_a_long_running_operation_that_every_view_shows_at_once() {
    bounded(async {
        let (sim, clock) = start(SimOptions::default()).await;
        let http = Http::new(&sim);
        let before = cluster_where(&sim, |c| {
            c["properties"]["autoUpgradeProfile"]["nodeOSUpgradeChannel"] == "Unmanaged"
                && c["properties"]["autoUpgradeProfile"]["upgradeChannel"] != "node-image"
        });
        let path = id(&before);
        let body = update_body(&before, |p| {
            p["autoUpgradeProfile"] = json!({ "upgradeChannel": "patch", "nodeOSUpgradeChannel": "SecurityPatch" });
        });

        let (status, headers, running) = http.put(&path, &body, &[]).await;
        assert_eq!(status, 200, "{running}");
        assert_eq!(running["properties"]["provisioningState"], "Updating");
        assert_eq!(
            running["properties"]["autoUpgradeProfile"]["nodeOSUpgradeChannel"],
            "SecurityPatch"
        );
        assert_ne!(running["eTag"], before["eTag"], "a new entity tag after a write");
        assert_eq!(headers["retry-after"], "2");
        let status_url = headers["azure-asyncoperation"].to_str().expect("ascii").to_string();
        let sub = path.split('/').nth(2).expect("subscription");
        let location = before["location"].as_str().expect("location");
        assert!(
            status_url.starts_with(&format!(
                "{}/subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{location}/operationStatuses/",
                sim.url()
            )),
            "{status_url}"
        );
        let status_path = status_url
            .strip_prefix(&sim.url())
            .and_then(|p| p.split('?').next())
            .expect("on the simulator")
            .to_string();

        // Running: every view shows the new values and the operation in progress.
        let (_, poll_headers, operation) = http
            .send(reqwest::Method::GET, &status_path, CLI_API_VERSION, None, &[])
            .await;
        assert_eq!(operation["status"], "InProgress");
        assert_eq!(poll_headers["retry-after"], "2", "pollers are told when to ask again");
        assert_eq!(operation["startTime"], "2026-11-26T12:00:00Z");
        assert!(operation.get("endTime").is_none());
        let (_, got) = http.get(&path).await;
        assert_eq!(got, running);
        let listed = http.listed(sub).await;
        assert!(listed.contains(&running), "the list shows the write");
        let row = http.graph_row(&path).await;
        assert_eq!(row["nodeOSUpgradeChannel"], "SecurityPatch");
        assert_eq!(row["upgradeChannel"], "patch");
        assert_eq!(row["provisioningState"], "Updating");

        // Ended.
        clock.advance(Duration::from_secs(2));
        let (_, operation) = http.get(&status_path).await;
        assert_eq!(operation["status"], "Succeeded", "{operation}");
        assert_eq!(operation["endTime"], "2026-11-26T12:00:02Z");
        assert!(operation.get("error").is_none());
        let (_, after) = http.get(&path).await;
        assert_eq!(after["properties"]["provisioningState"], "Succeeded");
        assert_eq!(after["eTag"], running["eTag"]);
        assert_eq!(http.graph_row(&path).await["provisioningState"], "Succeeded");
        assert_eq!(
            after["properties"]["identityProfile"], before["properties"]["identityProfile"],
            "read-only properties stay as AKS has them"
        );
        assert_eq!(sim.changed_clusters(), 1, "only the changed cluster is kept");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_second_write_while_an_operation_runs_gets_409_operation_not_allowed() {
    bounded(async {
        let (sim, clock) = start(SimOptions::default()).await;
        let http = Http::new(&sim);
        let cluster = cluster_where(&sim, |c| {
            c["properties"]["agentPoolProfiles"]
                .as_array()
                .is_some_and(|p| p.len() > 1)
        });
        let path = id(&cluster);
        let body = update_body(&cluster, |p| {
            p["autoUpgradeProfile"] = json!({ "upgradeChannel": "stable" })
        });
        let (status, _, _) = http.put(&path, &body, &[]).await;
        assert_eq!(status, 200);

        let (status, _, refused) = http.put(&path, &body, &[]).await;
        assert_eq!(status, 409);
        assert_eq!(refused["error"]["code"], "OperationNotAllowed");
        let message = refused["error"]["message"].as_str().expect("message");
        assert!(message.contains("in progress operation"), "{message}");
        let pool = cluster["properties"]["agentPoolProfiles"][1]["name"]
            .as_str()
            .expect("pool");
        let (status, _, refused) = http
            .put(
                &format!("{path}/agentPools/{pool}"),
                &json!({ "properties": { "count": 3 } }),
                &[],
            )
            .await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (409, Some("OperationNotAllowed"))
        );

        clock.advance(Duration::from_millis(1999));
        assert_eq!(http.put(&path, &body, &[]).await.0, 409, "still running at 1.999 s");
        clock.advance(Duration::from_millis(1));
        assert_eq!(http.put(&path, &body, &[]).await.0, 200, "ended at 2 s");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn if_match_with_another_entity_tag_gets_412_and_changes_nothing() {
    bounded(async {
        let (sim, clock) = start(SimOptions::default()).await;
        let http = Http::new(&sim);
        let cluster = cluster_where(&sim, |_| true);
        let path = id(&cluster);
        let etag = cluster["eTag"].as_str().expect("eTag").to_string();
        let body = update_body(&cluster, |p| {
            p["autoUpgradeProfile"] = json!({ "upgradeChannel": "rapid" })
        });

        let (status, _, refused) = http.put(&path, &body, &[("If-Match", "\"someone-else\"")]).await;
        assert_eq!(status, 412);
        assert_eq!(refused["error"]["code"], "PreconditionFailed");
        assert!(refused["error"]["message"].as_str().expect("message").contains(&etag));
        assert_eq!(http.get(&path).await.1, cluster, "nothing changed");

        let quoted = format!("\"{etag}\"");
        let (status, _, written) = http.put(&path, &body, &[("If-Match", &quoted)]).await;
        assert_eq!(status, 200, "the current tag, quoted as HTTP writes it");
        clock.advance(Duration::from_secs(2));
        let stale = http.put(&path, &body, &[("If-Match", &etag)]).await;
        assert_eq!(stale.0, 412, "the tag read before the write is stale now");
        let fresh = written["eTag"].as_str().expect("new tag").to_string();
        assert_eq!(http.put(&path, &body, &[("If-Match", &fresh)]).await.0, 200);
        clock.advance(Duration::from_secs(2));
        assert_eq!(
            http.put(&path, &body, &[("If-Match", "*")]).await.0,
            200,
            "* matches any"
        );

        // A pool's own tag guards the pool.
        clock.advance(Duration::from_secs(2));
        let (_, now) = http.get(&path).await;
        let pool = &now["properties"]["agentPoolProfiles"][0];
        let pool_path = format!("{path}/agentPools/{}", pool["name"].as_str().expect("name"));
        let change = json!({ "properties": { "count": 2 } });
        assert_eq!(http.put(&pool_path, &change, &[("If-Match", "nope")]).await.0, 412);
        let pool_tag = pool["eTag"].as_str().expect("pool eTag");
        let (status, _, written) = http.put(&pool_path, &change, &[("If-Match", pool_tag)]).await;
        assert_eq!(status, 200, "{written}");
        assert_ne!(
            written["properties"]["eTag"].as_str(),
            Some(pool_tag),
            "the pool has a new tag"
        );
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn kubernetes_versions_move_as_aks_allows_and_every_view_follows() {
    bounded(async {
        let (sim, clock) = start(SimOptions::default()).await;
        let http = Http::new(&sim);
        // A cluster on 1.33.x whose region offers 1.33.10 and 1.34.6 (every region does).
        let cluster = cluster_where(&sim, |c| current(c).starts_with("1.33.") && current(c) != "1.33.10");
        let path = id(&cluster);
        let to = |version: &'static str| {
            update_body(&cluster, move |p| {
                p["kubernetesVersion"] = json!(version);
                for pool in p["agentPoolProfiles"].as_array_mut().expect("pools") {
                    pool["orchestratorVersion"] = json!(version);
                }
            })
        };

        let refusals = [
            ("1.35.5", "OperationNotAllowed", "is not allowed. Available upgrades: ["),
            ("1.33.11", "K8sVersionNotSupported", "is not supported in this region"),
            ("1.32.10", "OperationNotAllowed", "Downgrading Kubernetes version"),
            ("latest", "InvalidParameter", "is not a version"),
        ];
        for (version, code, says) in refusals {
            let (status, _, refused) = http.put(&path, &to(version), &[]).await;
            assert_eq!(status, 400, "{version}: {refused}");
            assert_eq!(refused["error"]["code"], code, "{version}");
            let message = refused["error"]["message"].as_str().expect("message");
            assert!(message.contains(says), "{version}: {message}");
        }
        assert_eq!(http.get(&path).await.1, cluster, "a refused write changes nothing");

        let (status, _, running) = http.put(&path, &to("1.34.6"), &[]).await;
        assert_eq!(status, 200, "{running}");
        assert_eq!(running["properties"]["provisioningState"], "Upgrading");
        assert_eq!(running["properties"]["kubernetesVersion"], "1.34.6");
        assert_eq!(current(&running), current(&cluster), "still running the old version");
        clock.advance(Duration::from_secs(2));

        let (_, after) = http.get(&path).await;
        assert_eq!(current(&after), "1.34.6");
        for pool in after["properties"]["agentPoolProfiles"].as_array().expect("pools") {
            assert_eq!(pool["currentOrchestratorVersion"], "1.34.6");
            assert_eq!(pool["provisioningState"], "Succeeded");
        }
        let (_, profile) = http.get(&format!("{path}/upgradeProfiles/default")).await;
        assert_eq!(
            profile["properties"]["controlPlaneProfile"]["kubernetesVersion"],
            "1.34.6"
        );
        let offered: Vec<&str> = profile["properties"]["controlPlaneProfile"]["upgrades"]
            .as_array()
            .expect("upgrades")
            .iter()
            .filter_map(|u| u["kubernetesVersion"].as_str())
            .collect();
        assert!(offered.iter().all(|v| v.starts_with("1.35.")), "{offered:?}");
        let pool = after["properties"]["agentPoolProfiles"][0]["name"]
            .as_str()
            .expect("pool");
        let (_, pool_profile) = http
            .get(&format!("{path}/agentPools/{pool}/upgradeProfiles/default"))
            .await;
        assert_eq!(pool_profile["properties"]["kubernetesVersion"], "1.34.6");
        assert!(pool_profile["properties"]["latestNodeImageVersion"].is_string());
        assert_eq!(http.graph_row(&path).await["currentKubernetesVersion"], "1.34.6");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn channel_values_the_node_image_rule_and_the_api_version_are_checked() {
    bounded(async {
        let (sim, _) = start(SimOptions::default()).await;
        let http = Http::new(&sim);
        let cluster = cluster_where(&sim, |_| true);
        let path = id(&cluster);
        let with = |profile: Value| update_body(&cluster, move |p| p["autoUpgradeProfile"] = profile);

        let (status, _, refused) = http
            .put(&path, &with(json!({ "nodeOSUpgradeChannel": "Weekly" })), &[])
            .await;
        assert_eq!(status, 400);
        assert_eq!(refused["error"]["code"], "InvalidParameter");
        assert_eq!(
            refused["error"]["target"],
            "properties.autoUpgradeProfile.nodeOSUpgradeChannel"
        );

        let conflict = with(json!({ "upgradeChannel": "node-image", "nodeOSUpgradeChannel": "SecurityPatch" }));
        let (status, _, refused) = http.put(&path, &conflict, &[]).await;
        assert_eq!(status, 400);
        assert!(
            refused["error"]["message"]
                .as_str()
                .expect("message")
                .contains("while upgradeChannel is 'node-image'"),
            "{refused}"
        );

        let (status, _, refused) = http
            .send(
                reqwest::Method::PUT,
                &path,
                "2022-11-01",
                Some(&with(json!({ "upgradeChannel": "patch" }))),
                &[],
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(refused["error"]["code"], "InvalidApiVersionParameter");

        let (status, _, refused) = http.put(&path, &json!(["not", "an", "object"]), &[]).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (400, Some("InvalidRequestContent"))
        );
        let moved = update_body(&cluster, |_| {});
        let mut moved = moved;
        moved["location"] = json!("atlantis");
        assert_eq!(http.put(&path, &moved, &[]).await.0, 400, "a cluster does not move");
        assert_eq!(http.get(&path).await.1, cluster, "nothing changed");

        // Channels are stored in AKS's spelling; node-image brings NodeImage.
        let (status, _, written) = http
            .put(&path, &with(json!({ "upgradeChannel": "NODE-IMAGE" })), &[])
            .await;
        assert_eq!(status, 200, "{written}");
        assert_eq!(
            written["properties"]["autoUpgradeProfile"],
            json!({ "upgradeChannel": "node-image", "nodeOSUpgradeChannel": "NodeImage" })
        );
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn an_agent_pool_put_upgrades_that_pool_and_its_views() {
    bounded(async {
        let (sim, clock) = start(SimOptions {
            clusters_per_subscription: 40,
            ..SimOptions::default()
        })
        .await;
        let http = Http::new(&sim);
        let cluster = cluster_where(&sim, |c| {
            c["properties"]["agentPoolProfiles"].as_array().is_some_and(|pools| {
                pools
                    .iter()
                    .any(|p| p["currentOrchestratorVersion"].as_str() != Some(current(c)))
            }) && current(c) >= "1.33"
        });
        let path = id(&cluster);
        let plane = current(&cluster).to_string();
        let behind = cluster["properties"]["agentPoolProfiles"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["currentOrchestratorVersion"].as_str() != Some(plane.as_str()))
            .expect("a pool behind");
        let name = behind["name"].as_str().expect("name");
        let pool_path = format!("{path}/agentPools/{name}");

        let (status, listed) = http.get(&format!("{path}/agentPools")).await;
        assert_eq!(status, 200);
        assert_eq!(
            listed["value"].as_array().map(Vec::len),
            cluster["properties"]["agentPoolProfiles"].as_array().map(Vec::len)
        );
        let (_, one) = http.get(&pool_path).await;
        assert_eq!(one["name"], *name);
        assert_eq!(one["type"], "Microsoft.ContainerService/managedClusters/agentPools");
        assert_eq!(one["properties"]["orchestratorVersion"], behind["orchestratorVersion"]);
        assert!(
            one["properties"].get("name").is_none(),
            "the name is the resource's, not a property"
        );

        // What `az aks nodepool upgrade` sends: the pool as read, a new version.
        let mut body = one.clone();
        body["properties"]["orchestratorVersion"] = json!(plane);
        let (status, headers, running) = http.put(&pool_path, &body, &[]).await;
        assert_eq!(status, 200, "{running}");
        assert!(headers.contains_key("azure-asyncoperation"));
        assert_eq!(running["properties"]["provisioningState"], "Upgrading");
        let too_new = json!({ "properties": { "orchestratorVersion": "1.99.0" } });
        clock.advance(Duration::from_secs(2));
        let (_, after) = http.get(&pool_path).await;
        assert_eq!(after["properties"]["currentOrchestratorVersion"], plane.as_str());
        assert_eq!(after["properties"]["provisioningState"], "Succeeded");
        let (_, whole) = http.get(&path).await;
        assert_eq!(
            whole["properties"]["provisioningState"],
            cluster["properties"]["provisioningState"]
        );
        let in_cluster = whole["properties"]["agentPoolProfiles"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["name"] == *name)
            .expect("the pool");
        assert_eq!(in_cluster["currentOrchestratorVersion"], plane.as_str());
        let (_, profile) = http.get(&format!("{pool_path}/upgradeProfiles/default")).await;
        assert_eq!(profile["properties"]["kubernetesVersion"], plane.as_str());
        let (_, cluster_profile) = http.get(&format!("{path}/upgradeProfiles/default")).await;
        let row = cluster_profile["properties"]["agentPoolProfiles"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["name"] == *name)
            .cloned()
            .expect("the pool's row");
        assert_eq!(row["kubernetesVersion"], plane.as_str());

        let (status, _, refused) = http.put(&pool_path, &too_new, &[]).await;
        assert_eq!(status, 400);
        assert_eq!(refused["error"]["code"], "NodePoolMcVersionIncompatible");
        let (status, _, refused) = http
            .put(
                &format!("{path}/agentPools/nosuchpool"),
                &json!({ "properties": {} }),
                &[],
            )
            .await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (404, Some("ResourceNotFound"))
        );
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn maintenance_configurations_are_created_replaced_and_deleted() {
    bounded(async {
        let (sim, _) = start(SimOptions::default()).await;
        let http = Http::new(&sim);
        let cluster = cluster_where(&sim, |_| true);
        let path = id(&cluster);
        let configs = format!("{path}/maintenanceConfigurations");
        let (_, before) = http.get(&configs).await;
        let names = |list: &Value| -> Vec<String> {
            list["value"]
                .as_array()
                .expect("value")
                .iter()
                .filter_map(|c| c["name"].as_str().map(String::from))
                .collect()
        };
        // What `az aks maintenanceconfiguration add` sends.
        let window = json!({ "properties": { "maintenanceWindow": {
            "schedule": { "weekly": { "intervalWeeks": 1, "dayOfWeek": "Sunday" } },
            "startTime": "00:00", "durationHours": 4, "utcOffset": "+00:00" } } });
        let node_os = format!("{configs}/aksManagedNodeOSUpgradeSchedule");
        http.send(reqwest::Method::DELETE, &node_os, CLI_API_VERSION, None, &[])
            .await;

        let (status, _, created) = http.put(&node_os, &window, &[]).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["name"], "aksManagedNodeOSUpgradeSchedule");
        assert_eq!(
            created["id"],
            format!("{path}/maintenanceConfigurations/aksManagedNodeOSUpgradeSchedule")
        );
        assert_eq!(http.get(&node_os).await.1, created);
        let (_, listed) = http.get(&configs).await;
        assert!(names(&listed).contains(&"aksManagedNodeOSUpgradeSchedule".to_string()));
        let mut sorted = names(&listed);
        sorted.sort_by_key(|n| {
            [
                "default",
                "aksManagedAutoUpgradeSchedule",
                "aksManagedNodeOSUpgradeSchedule",
            ]
            .iter()
            .position(|k| k == n)
        });
        assert_eq!(names(&listed), sorted, "AKS's order");

        let mut daily = window.clone();
        daily["properties"]["maintenanceWindow"]["schedule"] = json!({ "daily": { "intervalDays": 1 } });
        let (status, _, replaced) = http.put(&node_os, &daily, &[]).await;
        assert_eq!(status, 200, "replaced, not created");
        assert_eq!(
            replaced["properties"]["maintenanceWindow"]["schedule"],
            json!({ "daily": { "intervalDays": 1 } })
        );

        let mut bad = window.clone();
        bad["properties"]["maintenanceWindow"]["durationHours"] = json!(2);
        let (status, _, refused) = http.put(&node_os, &bad, &[]).await;
        assert_eq!(status, 400);
        assert_eq!(refused["error"]["target"], "properties.maintenanceWindow.durationHours");
        let (status, _, _) = http.put(&format!("{configs}/nightly"), &window, &[]).await;
        assert_eq!(status, 400, "AKS names its configurations");

        let (status, _, _) = http
            .send(reqwest::Method::DELETE, &node_os, CLI_API_VERSION, None, &[])
            .await;
        assert_eq!(status, 200);
        assert!(!names(&http.get(&configs).await.1).contains(&"aksManagedNodeOSUpgradeSchedule".to_string()));
        let (status, _, _) = http
            .send(reqwest::Method::DELETE, &node_os, CLI_API_VERSION, None, &[])
            .await;
        assert_eq!(status, 204, "nothing left to delete");
        assert_eq!(http.get(&node_os).await.0, 404);
        let after = names(&http.get(&configs).await.1);
        assert!(
            names(&before)
                .iter()
                .all(|n| n == "aksManagedNodeOSUpgradeSchedule" || after.contains(n)),
            "the other configurations stay"
        );
        assert_eq!(sim.changed_clusters(), 0, "maintenance alone keeps no cluster object");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn failed_operations_end_failed_with_an_error_and_keep_the_goal_state() {
    bounded(async {
        let (sim, clock) = start(SimOptions {
            fail_operations: 1.0,
            ..SimOptions::default()
        })
        .await;
        let http = Http::new(&sim);
        let cluster = cluster_where(&sim, |c| c["properties"]["provisioningState"] == "Succeeded");
        let path = id(&cluster);
        let body = update_body(&cluster, |p| {
            p["autoUpgradeProfile"] = json!({ "upgradeChannel": "stable" })
        });
        let (status, headers, _) = http.put(&path, &body, &[]).await;
        assert_eq!(status, 200, "the write is accepted; its operation fails later");
        let status_url = headers["azure-asyncoperation"].to_str().expect("ascii").to_string();
        let status_path = status_url
            .strip_prefix(&sim.url())
            .and_then(|p| p.split('?').next())
            .expect("on the simulator")
            .to_string();
        assert_eq!(http.get(&status_path).await.1["status"], "InProgress");
        clock.advance(Duration::from_secs(2));
        let (_, operation) = http.get(&status_path).await;
        assert_eq!(operation["status"], "Failed");
        assert_eq!(operation["error"]["code"], "ReconcileVMSSAgentPoolFailed");
        assert!(
            operation["error"]["message"]
                .as_str()
                .expect("message")
                .contains("--fail-operations")
        );
        let (_, after) = http.get(&path).await;
        assert_eq!(after["properties"]["provisioningState"], "Failed");
        assert_eq!(after["properties"]["status"]["provisioningError"], operation["error"]);
        assert_eq!(
            after["properties"]["autoUpgradeProfile"]["upgradeChannel"], "stable",
            "like AKS, the model keeps what was asked for"
        );
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn faults_and_roles_apply_to_writes_and_a_refused_write_changes_nothing() {
    bounded(async {
        let (sim, _) = start(SimOptions {
            fault_429: 1.0,
            retry_after: 4,
            ..SimOptions::default()
        })
        .await;
        let http = Http::new(&sim);
        let cluster = cluster_where(&sim, |_| true);
        let path = id(&cluster);
        let body = update_body(&cluster, |p| {
            p["autoUpgradeProfile"] = json!({ "upgradeChannel": "rapid" })
        });
        let (status, headers, refused) = http.put(&path, &body, &[]).await;
        assert_eq!(status, 429);
        assert_eq!(headers["retry-after"], "4");
        assert_eq!(headers["x-ms-ratelimit-remaining-subscription-writes"], "0");
        let message = refused["error"]["message"].as_str().expect("message");
        assert!(message.starts_with("Number of 'write' requests"), "{message}");
        assert_eq!(sim.changed_clusters(), 0);
        sim.stop().await;

        let (sim, _) = start(SimOptions {
            fault_5xx: 1.0,
            ..SimOptions::default()
        })
        .await;
        let http = Http::new(&sim);
        let status = http.put(&path, &body, &[]).await.0;
        assert!(status == 500 || status == 503, "{status}");
        assert_eq!(sim.changed_clusters(), 0);
        sim.stop().await;

        let (sim, _) = start(SimOptions {
            forbidden_subscriptions: 1,
            ..SimOptions::default()
        })
        .await;
        let http = Http::new(&sim);
        let forbidden = sim.fleet().subscriptions[1].cluster_values().next().expect("a cluster");
        let (status, _, refused) = http.put(&id(&forbidden), &forbidden, &[]).await;
        assert_eq!(status, 403);
        assert!(
            refused["error"]["message"]
                .as_str()
                .expect("message")
                .contains("Microsoft.ContainerService/managedClusters/write")
        );
        let (status, headers, _) = http.put(&path, &body, &[]).await;
        assert_eq!(status, 200);
        assert!(headers.contains_key("x-ms-ratelimit-remaining-subscription-writes"));
        let missing = path.replace("managedClusters/", "managedClusters/x");
        let (status, _, refused) = http.put(&missing, &body, &[]).await;
        assert_eq!(status, 404);
        assert!(
            refused["error"]["message"]
                .as_str()
                .expect("message")
                .contains("creates no clusters")
        );
        let (status, headers, _) = http
            .send(reqwest::Method::POST, &path, CLI_API_VERSION, Some(&body), &[])
            .await;
        assert_eq!(status, 405);
        assert_eq!(headers["allow"], "GET, PUT");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_token_service_and_the_cloud_metadata_answer_without_a_token() {
    bounded(async {
        let (sim, _) = start(SimOptions::default()).await;
        let client = reqwest::Client::new();
        let tenant = &sim.fleet().tenant_id;
        let base = sim.url();
        let discovery: Value = client
            .get(format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        let token_endpoint = discovery["token_endpoint"].as_str().expect("token endpoint");
        assert_eq!(token_endpoint, format!("{base}/{tenant}/oauth2/v2.0/token"));
        let token: Value = client
            .post(token_endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                "grant_type=client_credentials&client_id=00000000-0000-0000-0000-000000000001&client_secret=anything\
                 &scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default",
            )
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        assert_eq!(token["access_token"], TOKEN);
        assert_eq!(token["token_type"], "Bearer");
        let (status, _) = Http::new(&sim).get("/subscriptions").await;
        assert_eq!(status, 200, "the token it issued is the one ARM accepts");

        let metadata: Value = client
            .get(format!("{base}/metadata/endpoints?api-version=2022-09-01"))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("JSON");
        assert_eq!(metadata["resourceManager"], format!("{base}/"));
        let refused = client
            .get(format!("{base}/other-tenant/v2.0/.well-known/openid-configuration"))
            .send()
            .await
            .expect("sent");
        assert_eq!(refused.status(), 400);
        let unauthenticated = client
            .get(format!("{base}/subscriptions?api-version={ARM_API_VERSION}"))
            .send()
            .await
            .expect("sent");
        assert_eq!(unauthenticated.status(), 401, "ARM still wants the token");
        sim.stop().await;
    })
    .await;
}
