//! The built-in fleet simulator over real HTTP on 127.0.0.1: envelopes, paging,
//! auth, faults, Resource Graph, and the data matching what the importer reads.
//! Every test is bounded in time so a hung server fails instead of blocking CI.

use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use aksradar::model::api::{
    ARM_API_VERSION, CLUSTER_QUERY, EVENTS_QUERY, GRAPH_API_VERSION, SUBSCRIPTIONS_API_VERSION,
};
use aksradar::sim::{SimClock, SimOptions, Simulator, loopback_only};
use serde_json::{Value, json};

const TOKEN: &str = "simulator";

async fn bounded<F: Future<Output = ()>>(test: F) {
    tokio::time::timeout(Duration::from_secs(60), test)
        .await
        .expect("the test finishes within 60 s");
}

async fn start(options: SimOptions) -> Simulator {
    Simulator::start("127.0.0.1:0".parse().expect("address"), options)
        .await
        .expect("the simulator starts")
}

fn options(subscriptions: usize, clusters: usize) -> SimOptions {
    SimOptions {
        subscriptions,
        clusters_per_subscription: clusters,
        ..SimOptions::default()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

async fn get(client: &reqwest::Client, url: &str) -> reqwest::Response {
    client.get(url).bearer_auth(TOKEN).send().await.expect("request sent")
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = get(client, url).await;
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, body)
}

fn clusters_url(sim: &Simulator, sub: &str) -> String {
    format!(
        "{}/subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters?api-version={ARM_API_VERSION}",
        sim.url()
    )
}

fn cluster_path(cluster: &Value) -> String {
    cluster["id"].as_str().expect("id").to_string()
}

/// Follows `nextLink` from `url`, checking each page's envelope, and returns all items.
async fn follow(client: &reqwest::Client, sim: &Simulator, url: String) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next = Some(url);
    while let Some(url) = next {
        let (status, body) = get_json(client, &url).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        items.extend(body["value"].as_array().expect("value[]").iter().cloned());
        next = body.get("nextLink").and_then(Value::as_str).map(str::to_string);
        if let Some(link) = &next {
            assert!(
                link.starts_with(&sim.url()),
                "absolute nextLink to the simulator: {link}"
            );
            assert!(link.contains("api-version="), "{link}");
            assert!(link.contains("%24skipToken="), "{link}");
        }
        assert!(pages < 1000, "paging does not end");
    }
    (items, pages)
}

async fn graph(client: &reqwest::Client, sim: &Simulator, body: Value) -> reqwest::Response {
    client
        .post(format!(
            "{}/providers/Microsoft.ResourceGraph/resources?api-version={GRAPH_API_VERSION}",
            sim.url()
        ))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn the_same_seed_gives_byte_identical_responses_and_another_seed_does_not() {
    bounded(async {
        let c = client();
        let mut bodies = Vec::new();
        for seed in [5, 5, 6] {
            let sim = start(SimOptions { seed, ..options(2, 15) }).await;
            let sub = sim.fleet().subscriptions[0].id.clone();
            let body = get(&c, &clusters_url(&sim, &sub)).await.bytes().await.expect("body");
            bodies.push(body);
            sim.stop().await;
        }
        assert_eq!(bodies[0], bodies[1]);
        assert_ne!(bodies[0], bodies[2]);
    })
    .await;
}

#[tokio::test]
async fn a_200_cluster_fleet_shows_every_channel_and_state() {
    bounded(async {
        let sim = start(SimOptions {
            seed: 42,
            ..options(10, 20)
        })
        .await;
        let c = client();
        let mut clusters = Vec::new();
        for sub in &sim.fleet().subscriptions {
            clusters.extend(follow(&c, &sim, clusters_url(&sim, &sub.id)).await.0);
        }
        assert_eq!(clusters.len(), 200);

        let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| "(missing)".into());
        let node_os: BTreeSet<String> = clusters
            .iter()
            .map(|c| text(&c["properties"]["autoUpgradeProfile"]["nodeOSUpgradeChannel"]))
            .collect();
        let channels: BTreeSet<String> = clusters
            .iter()
            .map(|c| text(&c["properties"]["autoUpgradeProfile"]["upgradeChannel"]))
            .collect();
        for want in ["SecurityPatch", "NodeImage", "Unmanaged", "None", "(missing)"] {
            assert!(node_os.contains(want), "node OS {want} missing from {node_os:?}");
        }
        for want in ["rapid", "stable", "patch", "node-image", "none", "(missing)"] {
            assert!(channels.contains(want), "channel {want} missing from {channels:?}");
        }
        let props = |c: &Value| c["properties"].clone();
        assert!(clusters.iter().any(|c| props(c).get("autoUpgradeProfile").is_none()));
        assert!(clusters.iter().any(|c| {
            let p = &props(c)["autoUpgradeProfile"];
            p.get("upgradeChannel").is_some() && p.get("nodeOSUpgradeChannel").is_none()
        }));
        for c in &clusters {
            assert_eq!(c["type"], "Microsoft.ContainerService/ManagedClusters");
            assert!(cluster_path(c).contains("/resourcegroups/"));
            if c["properties"]["autoUpgradeProfile"]["upgradeChannel"] == "node-image" {
                assert_eq!(
                    c["properties"]["autoUpgradeProfile"]["nodeOSUpgradeChannel"],
                    "NodeImage"
                );
            }
            let current = c["properties"]["currentKubernetesVersion"]
                .as_str()
                .expect("current version");
            assert_eq!(current.split('.').count(), 3, "currentKubernetesVersion is always full");
        }
        let pools = || {
            clusters
                .iter()
                .flat_map(|c| c["properties"]["agentPoolProfiles"].as_array().into_iter().flatten())
        };
        assert!(pools().any(|p| p["osType"] == "Windows" && p["osSKU"] == "Windows2022"));
        assert!(pools().any(|p| {
            p["nodeImageVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("AKSUbuntu-"))
        }));
        assert!(pools().any(|p| {
            p["nodeImageVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("AKSAzureLinux-"))
        }));
        assert!(
            clusters
                .iter()
                .any(|c| c["properties"]["powerState"]["code"] == "Stopped")
        );
        assert!(
            clusters
                .iter()
                .any(|c| c["properties"]["provisioningState"] == "Failed")
        );
        assert!(clusters.iter().any(|c| {
            c["properties"]["kubernetesVersion"]
                .as_str()
                .is_some_and(|v| v.split('.').count() == 2)
        }));
        let minor = |c: &Value| {
            let v = c["properties"]["currentKubernetesVersion"].as_str().unwrap_or_default();
            let n: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
            (n[0], n[1], n[2])
        };
        assert!(clusters.iter().any(|c| minor(c) < (1, 33, 7)));
        assert!(clusters.iter().any(|c| minor(c) > (1, 33, 7)));
        let tiers: HashSet<String> = clusters.iter().map(|c| text(&c["sku"]["tier"])).collect();
        assert!(
            tiers.contains("Free") && tiers.contains("Standard") && tiers.contains("Premium"),
            "{tiers:?}"
        );
        let regions: HashSet<String> = clusters.iter().map(|c| text(&c["location"])).collect();
        assert!(regions.len() >= 10, "{regions:?}");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn following_next_link_collects_every_cluster_exactly_once() {
    bounded(async {
        let sim = start(SimOptions { page_size: 7, ..options(2, 30) }).await;
        let c = client();
        let sub = &sim.fleet().subscriptions[1];
        let (items, pages) = follow(&c, &sim, clusters_url(&sim, &sub.id)).await;
        assert_eq!(pages, 5, "30 clusters in pages of 7");
        let ids: Vec<String> = items.iter().map(cluster_path).collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "no duplicates");
        let expected: Vec<String> = sub.cluster_ids().map(String::from).collect();
        assert_eq!(ids, expected);

        // The resource group list pages the same way and only holds that group.
        let rg = sub.resource_group_of(0).expect("rg").to_string();
        let url = format!(
            "{}/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters?api-version={ARM_API_VERSION}",
            sim.url(),
            sub.id
        );
        let (in_group, _) = follow(&c, &sim, url).await;
        assert!(!in_group.is_empty());
        assert!(in_group.iter().all(|c| cluster_path(c).split('/').nth(4) == Some(rg.as_str())));

        // Subscriptions page too, with a `count`.
        sim.stop().await;
        let sim = start(SimOptions { subscription_page_size: 3, ..options(7, 1) }).await;
        let url = format!("{}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}", sim.url());
        let (status, first) = get_json(&c, &url).await;
        assert_eq!(status, 200);
        assert_eq!(first["count"], json!({ "type": "Total", "value": 7 }));
        let (subs, pages) = follow(&c, &sim, url).await;
        assert_eq!(pages, 3);
        let ids: Vec<&str> = subs.iter().filter_map(|s| s["subscriptionId"].as_str()).collect();
        let expected: Vec<&str> = sim.fleet().subscriptions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, expected);
        assert!(subs.iter().all(|s| s["state"] == "Enabled" && s["tenantId"].is_string()));
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn requests_without_api_version_get_400_missing_api_version_parameter() {
    bounded(async {
        let sim = start(options(1, 2)).await;
        let c = client();
        let sub = &sim.fleet().subscriptions[0].id;
        for url in [
            format!("{}/subscriptions", sim.url()),
            format!(
                "{}/subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters",
                sim.url()
            ),
        ] {
            let (status, body) = get_json(&c, &url).await;
            assert_eq!(status, 400);
            assert_eq!(body["error"]["code"], "MissingApiVersionParameter");
            assert_eq!(
                body["error"]["message"],
                "The api-version query parameter (?api-version=) is required for all requests."
            );
        }
        let (status, body) = get_json(&c, &format!("{}/subscriptions?api-version=latest", sim.url())).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], "InvalidApiVersionParameter");
        let (status, _) = get_json(
            &c,
            &format!("{}/SUBSCRIPTIONS?API-VERSION=2026-08-02-preview", sim.url()),
        )
        .await;
        assert_eq!(
            status, 200,
            "paths and parameter names ignore case; previews are accepted"
        );
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn missing_or_wrong_tokens_get_401_before_any_fault() {
    bounded(async {
        let sim = start(SimOptions {
            fault_429: 1.0,
            malformed_rate: 1.0,
            ..options(1, 2)
        })
        .await;
        let c = client();
        let url = format!("{}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}", sim.url());

        let response = c.get(&url).send().await.expect("sent");
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "AuthenticationFailed");

        let response = c.get(&url).bearer_auth("not-the-token").send().await.expect("sent");
        assert_eq!(response.status(), 401);
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(
            challenge.starts_with("Bearer authorization_uri=\"https://login.windows.net/"),
            "{challenge}"
        );
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");

        let log = sim.requests();
        assert_eq!(log.len(), 2);
        assert!(
            log.iter()
                .all(|r| !r.authorized && r.status == 401 && r.method == "GET")
        );
        assert!(log[0].path_and_query.starts_with("/subscriptions?api-version="));
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn forbidden_subscriptions_answer_403_every_time_but_stay_listed() {
    bounded(async {
        let sim = start(SimOptions {
            forbidden_subscriptions: 2,
            ..options(4, 3)
        })
        .await;
        let c = client();
        let subs = &sim.fleet().subscriptions;
        for (i, sub) in subs.iter().enumerate() {
            let cluster = sub.cluster_values().next().expect("a cluster");
            let urls = [
                clusters_url(&sim, &sub.id),
                format!("{}{}?api-version={ARM_API_VERSION}", sim.url(), cluster_path(&cluster)),
                format!(
                    "{}{}/maintenanceConfigurations?api-version={ARM_API_VERSION}",
                    sim.url(),
                    cluster_path(&cluster)
                ),
            ];
            for url in urls.iter().chain(urls.iter()) {
                let (status, body) = get_json(&c, url).await;
                if i >= 2 {
                    assert_eq!(status, 403, "{url}");
                    assert_eq!(body["error"]["code"], "AuthorizationFailed");
                    let message = body["error"]["message"].as_str().expect("message");
                    assert!(
                        message.contains("does not have authorization to perform action"),
                        "{message}"
                    );
                    assert!(message.contains(&sub.id), "{message}");
                } else {
                    assert_eq!(status, 200, "{url}: {body}");
                }
            }
            assert_eq!(sim.fleet().forbidden(&sub.id), i >= 2);
        }
        let (status, listed) = get_json(
            &c,
            &format!("{}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}", sim.url()),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(listed["value"].as_array().map(Vec::len), Some(4));
        sim.stop().await;
    })
    .await;
}

/// `--forbid-read KIND`: that one kind of read answers 403 everywhere, as when a role
/// lacks that permission; the clusters themselves and the other kinds still read.
#[tokio::test]
async fn a_forbidden_kind_of_read_answers_403_and_the_rest_still_read() {
    bounded(async {
        let sim = start(SimOptions {
            forbidden_reads: vec!["maintenanceConfigurations".into(), "agentPools/upgradeProfiles".into()],
            ..options(1, 2)
        })
        .await;
        let client = client();
        let sub = sim.fleet().subscriptions[0].id.clone();
        let (_, page) = get_json(&client, &clusters_url(&sim, &sub)).await;
        let cluster = &page["value"][0];
        let id = cluster_path(cluster);
        let pool = cluster["properties"]["agentPoolProfiles"][0]["name"].as_str().unwrap();
        let url = |tail: &str| format!("{}{id}{tail}?api-version={ARM_API_VERSION}", sim.url());
        let (status, body) = get_json(&client, &url("/maintenanceConfigurations")).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "AuthorizationFailed");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("managedClusters/maintenanceConfigurations/read"),
            "{body}"
        );
        let (status, _) = get_json(&client, &url(&format!("/agentPools/{pool}/upgradeProfiles/default"))).await;
        assert_eq!(status, 403);
        for open in ["", "/upgradeProfiles/default", "/agentPools"] {
            let (status, body) = get_json(&client, &url(open)).await;
            assert_eq!(status, 200, "{open}: {body}");
        }
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn injected_429s_carry_retry_after_and_the_throttling_body() {
    bounded(async {
        let sim = start(SimOptions {
            fault_429: 1.0,
            retry_after: 7,
            ..options(1, 2)
        })
        .await;
        let c = client();
        let sub = sim.fleet().subscriptions[0].id.clone();
        let response = get(&c, &clusters_url(&sim, &sub)).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "SubscriptionRequestsThrottled");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.starts_with("Number of 'read' requests for subscription '"),
            "{message}"
        );
        assert!(
            message.contains(&sub) && message.ends_with("Please try again after '7' seconds."),
            "{message}"
        );

        // GET /subscriptions is throttled too.
        let (status, _) = get_json(
            &c,
            &format!("{}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}", sim.url()),
        )
        .await;
        assert_eq!(status, 429);
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn injected_server_errors_use_the_arm_envelope() {
    bounded(async {
        let sim = start(SimOptions {
            fault_5xx: 1.0,
            ..options(1, 2)
        })
        .await;
        let c = client();
        let mut seen = HashSet::new();
        for _ in 0..20 {
            let (status, body) = get_json(
                &c,
                &format!("{}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}", sim.url()),
            )
            .await;
            assert!(status == 500 || status == 503, "{status}");
            let code = body["error"]["code"].as_str().expect("code");
            assert_eq!(
                code,
                if status == 500 {
                    "InternalServerError"
                } else {
                    "ServiceUnavailable"
                }
            );
            seen.insert(status);
        }
        assert_eq!(seen.len(), 2, "both 500 and 503 appear");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn malformed_bodies_are_200s_that_do_not_parse() {
    bounded(async {
        let sim = start(SimOptions {
            malformed_rate: 1.0,
            ..options(1, 3)
        })
        .await;
        let c = client();
        let sub = sim.fleet().subscriptions[0].id.clone();
        let response = get(&c, &clusters_url(&sim, &sub)).await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.expect("body");
        assert!(!bytes.is_empty());
        assert!(serde_json::from_slice::<Value>(&bytes).is_err());
        // Errors are never cut: a client must still read why it failed.
        let (status, body) = get_json(&c, &format!("{}/nowhere?api-version={ARM_API_VERSION}", sim.url())).await;
        assert_eq!(status, 404);
        assert_eq!(body["error"]["code"], "NotFound");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn resource_graph_pages_every_visible_cluster_once_in_id_order() {
    bounded(async {
        let sim = start(SimOptions {
            forbidden_subscriptions: 1,
            ..options(4, 9)
        })
        .await;
        let c = client();
        let subs: Vec<String> = sim.fleet().subscriptions.iter().map(|s| s.id.clone()).collect();
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut options = json!({ "$top": 7, "resultFormat": "objectArray" });
            if let Some(t) = &token {
                options["$skipToken"] = json!(t);
            }
            let response = graph(&c, &sim, json!({ "subscriptions": subs, "query": CLUSTER_QUERY, "options": options })).await;
            assert_eq!(response.status(), 200);
            assert!(response.headers().contains_key("x-ms-user-quota-remaining"));
            assert!(response.headers().contains_key("x-ms-user-quota-resets-after"));
            let body: Value = response.json().await.expect("JSON");
            assert_eq!(body["resultTruncated"], "false");
            assert_eq!(body["totalRecords"], 27, "the forbidden subscription is not visible");
            assert_eq!(body["facets"], json!([]));
            let data = body["data"].as_array().expect("data[]");
            assert_eq!(body["count"], data.len());
            rows.extend(data.iter().cloned());
            pages += 1;
            match body.get("$skipToken").and_then(Value::as_str) {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
            assert!(pages < 100);
        }
        assert_eq!(pages, 4);
        assert_eq!(rows.len(), 27);
        let ids: Vec<&str> = rows.iter().filter_map(|r| r["id"].as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "ordered by id");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 27);
        for row in &rows {
            assert_eq!(row["type"], "microsoft.containerservice/managedclusters");
            let rg = row["resourceGroup"].as_str().expect("rg");
            assert_eq!(rg, rg.to_ascii_lowercase());
            assert!(row["pools"].is_array());
            assert!(row["nodeOSUpgradeChannel"].is_string(), "tostring() gives a string, even when missing");
        }
        let text = serde_json::to_vec(&json!({ "data": rows })).expect("serialisable");
        let fleet = aksradar::import::parse(&text, "graph").expect("the importer reads Resource Graph rows");
        assert_eq!(fleet.clusters.len(), 27);

        // Table format with $skip.
        let response = graph(
            &c,
            &sim,
            json!({ "subscriptions": subs, "query": CLUSTER_QUERY, "options": { "$top": 5, "$skip": 25, "resultFormat": "table" } }),
        )
        .await;
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["count"], 2);
        assert!(body.get("$skipToken").is_none());
        assert_eq!(body["data"]["columns"][0], json!({ "name": "id", "type": "string" }));
        assert_eq!(body["data"]["rows"][0][0].as_str(), Some(ids[25]));
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn resource_graph_refuses_unknown_queries_and_bad_options_with_400() {
    bounded(async {
        let sim = start(options(1, 2)).await;
        let c = client();
        let cases = [
            json!({ "query": "resources | take 5" }),
            json!({ "query": CLUSTER_QUERY, "options": { "$top": 5000 } }),
            json!({ "query": CLUSTER_QUERY, "options": { "$skipToken": "garbage!" } }),
            json!({ "subscriptions": "not-a-list", "query": CLUSTER_QUERY }),
            json!(["not", "an", "object"]),
        ];
        for body in cases {
            let response = graph(&c, &sim, body.clone()).await;
            assert_eq!(response.status(), 400, "{body}");
            let answer: Value = response.json().await.expect("JSON");
            assert!(answer["error"]["code"].is_string(), "{answer}");
            assert!(answer["error"]["message"].is_string(), "{answer}");
        }
        let response = graph(&c, &sim, json!({ "query": "resources | take 5" })).await;
        let answer: Value = response.json().await.expect("JSON");
        assert_eq!(answer["error"]["details"][0]["code"], "InvalidQuery");
        let response = c
            .post(format!(
                "{}/providers/Microsoft.ResourceGraph/resources?api-version={GRAPH_API_VERSION}",
                sim.url()
            ))
            .bearer_auth(TOKEN)
            .body("{ not json")
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 400);
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn resource_graph_quota_answers_429_rate_limiting_when_spent() {
    bounded(async {
        let sim = start(SimOptions {
            graph_quota: 3,
            ..options(1, 2)
        })
        .await;
        let c = client();
        let body = json!({ "query": CLUSTER_QUERY });
        let mut remaining = Vec::new();
        for _ in 0..3 {
            let response = graph(&c, &sim, body.clone()).await;
            assert_eq!(response.status(), 200);
            remaining.push(
                response.headers()["x-ms-user-quota-remaining"]
                    .to_str()
                    .expect("ascii")
                    .to_string(),
            );
        }
        assert_eq!(remaining, ["2", "1", "0"]);
        let response = graph(&c, &sim, body).await;
        assert_eq!(response.status(), 429);
        let wait: u64 = response.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=5).contains(&wait));
        let answer: Value = response.json().await.expect("JSON");
        assert_eq!(answer["error"]["code"], "RateLimiting");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn drill_down_endpoints_answer_with_their_real_shapes() {
    bounded(async {
        let sim = start(options(2, 6)).await;
        let c = client();
        let sub = &sim.fleet().subscriptions[0];
        let cluster = &sub.cluster_values().next().expect("a cluster");
        let path = cluster_path(cluster);

        let response = get(&c, &format!("{}{path}?api-version={ARM_API_VERSION}", sim.url())).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
        assert!(response.headers().contains_key("x-ms-request-id"));
        assert!(response.headers().contains_key("x-ms-ratelimit-remaining-subscription-reads"));
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(&body, cluster);

        // Names ignore case, as in ARM.
        let (status, _) = get_json(&c, &format!("{}{}?api-version={ARM_API_VERSION}", sim.url(), path.to_uppercase())).await;
        assert_eq!(status, 200);

        let pool = cluster["properties"]["agentPoolProfiles"][0]["name"].as_str().expect("pool");
        let (status, profile) = get_json(
            &c,
            &format!("{}{path}/agentPools/{pool}/upgradeProfiles/default?api-version={ARM_API_VERSION}", sim.url()),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(profile["name"], "default");
        assert_eq!(profile["type"], "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles");
        assert!(profile["properties"]["latestNodeImageVersion"].is_string());
        assert!(profile["properties"]["kubernetesVersion"].is_string());

        let (status, configs) =
            get_json(&c, &format!("{}{path}/maintenanceConfigurations?api-version={ARM_API_VERSION}", sim.url())).await;
        assert_eq!(status, 200);
        assert!(configs["value"].is_array());
        assert!(configs.get("nextLink").is_none());

        let location = cluster["location"].as_str().expect("location");
        let (status, versions) = get_json(
            &c,
            &format!(
                "{}/subscriptions/{}/providers/Microsoft.ContainerService/locations/{location}/kubernetesVersions?api-version={ARM_API_VERSION}",
                sim.url(),
                sub.id
            ),
        )
        .await;
        assert_eq!(status, 200);
        let values = versions["values"].as_array().expect("values[], plural");
        assert!(values.iter().any(|v| v["version"] == "1.34" && v["patchVersions"].is_object()));
        assert!(versions.get("value").is_none() && versions.get("nextLink").is_none());

        let (status, missing) = get_json(
            &c,
            &format!("{}{}-nope?api-version={ARM_API_VERSION}", sim.url(), path),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(missing["error"]["code"], "ResourceNotFound");
        let (status, missing) = get_json(
            &c,
            &format!("{}{path}/agentPools/nope/upgradeProfiles/default?api-version={ARM_API_VERSION}", sim.url()),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(missing["error"]["code"], "ResourceNotFound");
        let (status, missing) = get_json(
            &c,
            &format!(
                "{}/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.ContainerService/managedClusters?api-version={ARM_API_VERSION}",
                sim.url()
            ),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(missing["error"]["code"], "SubscriptionNotFound");
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn latency_is_added_to_every_response() {
    bounded(async {
        let sim = start(SimOptions {
            latency_ms: 300,
            ..options(1, 1)
        })
        .await;
        let c = client();
        let began = Instant::now();
        let (status, _) = get_json(
            &c,
            &format!("{}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}", sim.url()),
        )
        .await;
        assert_eq!(status, 200);
        assert!(began.elapsed() >= Duration::from_millis(300), "{:?}", began.elapsed());
        sim.stop().await;
    })
    .await;
}

#[tokio::test]
async fn the_simulator_listens_only_on_loopback() {
    bounded(async {
        assert!(loopback_only(&"127.0.0.1:0".parse().expect("addr")));
        assert!(loopback_only(&"[::1]:0".parse().expect("addr")));
        assert!(!loopback_only(&"0.0.0.0:0".parse().expect("addr")));
        let refused = Simulator::start("0.0.0.0:0".parse().expect("addr"), options(1, 1)).await;
        assert!(refused.is_err());
        let sim = start(options(1, 1)).await;
        assert!(sim.addr().ip().is_loopback());
        assert_eq!(sim.url(), format!("http://127.0.0.1:{}", sim.addr().port()));
        sim.stop().await;
    })
    .await;
}

/// FNV-1a over bytes: stable across Rust releases, unlike `DefaultHasher`.
fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3))
}

/// What went over the wire for one named group of requests, hashed: the status, the
/// headers that do not depend on the clock, and the body with the simulator's own URL
/// (its port changes from run to run) replaced by `BASE`.
#[derive(Default)]
struct WireHashes {
    groups: Vec<(&'static str, u64)>,
    base: String,
}

/// `bytes` with every `from` replaced by `to`.
fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if !from.is_empty() && bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

impl WireHashes {
    async fn add(&mut self, group: &'static str, response: reqwest::Response) -> Vec<u8> {
        let mut hash = match self.groups.iter().position(|(g, _)| *g == group) {
            Some(i) => self.groups.remove(i).1,
            None => 0xCBF2_9CE4_8422_2325,
        };
        hash = fnv(hash, &response.status().as_u16().to_be_bytes());
        for name in ["x-ms-request-id", "retry-after", "content-type", "www-authenticate"] {
            if let Some(value) = response.headers().get(name) {
                hash = fnv(hash, name.as_bytes());
                hash = fnv(hash, value.as_bytes());
            }
        }
        let body = response.bytes().await.expect("body").to_vec();
        hash = fnv(hash, &replace_bytes(&body, self.base.as_bytes(), b"BASE"));
        self.groups.push((group, hash));
        body
    }

    fn table(&self) -> String {
        let mut rows: Vec<String> = self
            .groups
            .iter()
            .map(|(g, h)| format!("(\"{g}\", 0x{h:016x}),"))
            .collect();
        rows.sort();
        rows.join("\n")
    }
}

/// The simulator is deterministic: the same options give the same bytes. This pins
/// them for one seed, so a refactor of the generator or the server that changes a
/// single byte of any answer (data, envelope, paging token, error text, request id)
/// fails here, naming the group of requests that changed. A deliberate change of the
/// data updates the table (the failure prints the new one).
#[tokio::test]
async fn the_bytes_served_for_a_seed_are_pinned() {
    bounded(async {
        let c = client();
        let mut wire = WireHashes::default();
        let sim = start(SimOptions {
            seed: 7,
            page_size: 5,
            subscription_page_size: 2,
            forbidden_subscriptions: 1,
            ..options(3, 12)
        })
        .await;
        let base = sim.url();
        wire.base = base.clone();
        let send = |url: String| c.get(url).bearer_auth(TOKEN).send();

        let mut next = Some(format!("{base}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}"));
        while let Some(url) = next.take() {
            let body: Value = serde_json::from_slice(&wire.add("subscriptions", send(url).await.expect("sent")).await)
                .expect("JSON");
            next = body["nextLink"].as_str().map(str::to_string);
        }
        let subs: Vec<String> = sim.fleet().subscriptions.iter().map(|s| s.id.clone()).collect();
        let one = format!("{base}/subscriptions/{}?api-version={SUBSCRIPTIONS_API_VERSION}", subs[0]);
        wire.add("subscriptions", send(one).await.expect("sent")).await;

        let mut clusters = Vec::new();
        for sub in &subs {
            let mut next = Some(clusters_url(&sim, sub));
            while let Some(url) = next.take() {
                let body: Value = serde_json::from_slice(&wire.add("cluster lists", send(url).await.expect("sent")).await)
                    .expect("JSON");
                next = body["nextLink"].as_str().map(str::to_string);
                clusters.extend(body["value"].as_array().into_iter().flatten().cloned());
            }
        }
        let first = cluster_path(&clusters[0]);
        let group_url = format!(
            "{base}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ContainerService/managedClusters?api-version={ARM_API_VERSION}",
            subs[0],
            first.split('/').nth(4).expect("group")
        );
        wire.add("cluster lists", send(group_url).await.expect("sent")).await;

        let mut locations = BTreeSet::new();
        for cluster in clusters.iter().take(6) {
            let path = cluster_path(cluster);
            wire.add("clusters", send(format!("{base}{path}?api-version={ARM_API_VERSION}")).await.expect("sent"))
                .await;
            let url = format!("{base}{path}/maintenanceConfigurations?api-version={ARM_API_VERSION}");
            let list: Value = serde_json::from_slice(&wire.add("maintenance", send(url).await.expect("sent")).await)
                .expect("JSON");
            for config in list["value"].as_array().into_iter().flatten() {
                let url = format!("{base}{}?api-version={ARM_API_VERSION}", config["id"].as_str().expect("id"));
                wire.add("maintenance", send(url).await.expect("sent")).await;
            }
            for pool in cluster["properties"]["agentPoolProfiles"].as_array().into_iter().flatten() {
                let url = format!(
                    "{base}{path}/agentPools/{}/upgradeProfiles/default?api-version={ARM_API_VERSION}",
                    pool["name"].as_str().expect("pool")
                );
                wire.add("pool upgrade profiles", send(url).await.expect("sent")).await;
            }
            locations.insert(cluster["location"].as_str().expect("location").to_string());
        }
        locations.insert("atlantis".to_string());
        for location in &locations {
            let url = format!(
                "{base}/subscriptions/{}/providers/Microsoft.ContainerService/locations/{location}/kubernetesVersions?api-version={ARM_API_VERSION}",
                subs[0]
            );
            wire.add("kubernetes versions", send(url).await.expect("sent")).await;
        }

        for format in ["objectArray", "table"] {
            let mut token: Option<String> = None;
            loop {
                let mut options = json!({ "$top": 7, "resultFormat": format });
                if let Some(t) = &token {
                    options["$skipToken"] = json!(t);
                }
                let body = json!({ "subscriptions": subs, "query": CLUSTER_QUERY, "options": options });
                let page: Value = serde_json::from_slice(&wire.add("resource graph", graph(&c, &sim, body).await).await)
                    .expect("JSON");
                match page["$skipToken"].as_str() {
                    Some(t) => token = Some(t.to_string()),
                    None => break,
                }
            }
        }
        let refused = json!({ "query": "resources | take 1" });
        wire.add("resource graph", graph(&c, &sim, refused).await).await;

        let errors = [
            format!("{base}/subscriptions"),
            format!("{base}{first}-missing?api-version={ARM_API_VERSION}"),
            format!("{base}/nowhere?api-version={ARM_API_VERSION}"),
            clusters_url(&sim, &subs[2]),
            format!("{base}/subscriptions?api-version=latest"),
        ];
        for url in errors {
            wire.add("errors", send(url).await.expect("sent")).await;
        }
        let url = format!("{base}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}");
        wire.add("errors", c.get(&url).send().await.expect("sent")).await;
        wire.add("errors", c.get(&url).bearer_auth("wrong").send().await.expect("sent"))
            .await;

        // Added with the read-write simulator, after the rest so that their request
        // ids do not move the groups above.
        for cluster in clusters.iter().take(6) {
            let path = cluster_path(cluster);
            let url = format!("{base}{path}/agentPools?api-version={ARM_API_VERSION}");
            wire.add("agent pools", send(url).await.expect("sent")).await;
            for pool in cluster["properties"]["agentPoolProfiles"].as_array().into_iter().flatten() {
                let url = format!(
                    "{base}{path}/agentPools/{}?api-version={ARM_API_VERSION}",
                    pool["name"].as_str().expect("pool")
                );
                wire.add("agent pools", send(url).await.expect("sent")).await;
            }
            let url = format!("{base}{path}/upgradeProfiles/default?api-version={ARM_API_VERSION}");
            wire.add("cluster upgrade profiles", send(url).await.expect("sent")).await;
        }
        sim.stop().await;

        let sim = start(SimOptions {
            seed: 9,
            fault_429: 0.25,
            fault_5xx: 0.25,
            malformed_rate: 0.25,
            retry_after: 3,
            ..options(2, 4)
        })
        .await;
        wire.base = sim.url();
        let sub = sim.fleet().subscriptions[1].id.clone();
        for _ in 0..24 {
            wire.add("faults", send(clusters_url(&sim, &sub)).await.expect("sent")).await;
        }
        sim.stop().await;

        // Scheduled events depend on the clock: a manual one pins them.
        let sim = start(SimOptions {
            seed: 7,
            clock: SimClock::manual(time::macros::datetime!(2026-11-29 12:00 UTC)),
            ..options(3, 12)
        })
        .await;
        wire.base = sim.url();
        let subs: Vec<String> = sim.fleet().subscriptions.iter().map(|s| s.id.clone()).collect();
        for format in ["objectArray", "table"] {
            let mut token: Option<String> = None;
            loop {
                let mut options = json!({ "$top": 7, "resultFormat": format });
                if let Some(t) = &token {
                    options["$skipToken"] = json!(t);
                }
                let body = json!({ "subscriptions": subs, "query": EVENTS_QUERY, "options": options });
                let page: Value = serde_json::from_slice(&wire.add("events", graph(&c, &sim, body).await).await)
                    .expect("JSON");
                match page["$skipToken"].as_str() {
                    Some(t) => token = Some(t.to_string()),
                    None => break,
                }
            }
        }
        sim.stop().await;

        let want = r#"("agent pools", 0xe19c96784b67f70b),
("cluster lists", 0x4b679b31428b3977),
("cluster upgrade profiles", 0xe28161b43e09175f),
("clusters", 0x42556e8aa00d5c42),
("errors", 0x640aa1947f5ea952),
("events", 0xb4f09aa773378014),
("faults", 0xeb6b8f2b193f5c5a),
("kubernetes versions", 0xd9b2875a83fe9950),
("maintenance", 0x0555ba234a26d6ae),
("pool upgrade profiles", 0x176fe6debd6a39ab),
("resource graph", 0x81a404bc7d9cf5a8),
("subscriptions", 0xf0ec132a6534c10b),"#;
        assert_eq!(wire.table(), want, "the bytes served changed; the table above is the new one");
    })
    .await;
}

/// The importer (a layer the simulator must not depend on) reads every generated cluster.
#[test]
fn every_generated_cluster_is_read_by_the_importer() {
    let fleet = aksradar::sim::SimFleet::generate(&SimOptions {
        seed: 11,
        ..options(4, 60)
    });
    let value: Vec<Box<serde_json::value::RawValue>> = fleet.clusters().collect();
    let text = serde_json::to_vec(&json!({ "value": value })).expect("serialisable");
    let parsed = aksradar::import::parse(&text, "sim").expect("the importer reads simulated clusters");
    assert_eq!(parsed.clusters.len(), 240);
}
