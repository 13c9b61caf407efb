//! ARM writes against a small server over real HTTP on 127.0.0.1 (`hostile/`): a PUT
//! or DELETE carries the entity tag it was given as `If-Match`, a 412 or 409 comes back
//! to the caller at once and is never retried, and the long-running operation a write
//! starts is followed as `Retry-After` asks, within `limits.max_wait` and the caller's
//! deadline, on the endpoint's origin only, until it ends Succeeded, Failed or Canceled.
//!
//! The engine, on top: a cluster read without an entity tag is never written.
//!
//! Waits go through a manual clock, which records them instead of sleeping.

mod hostile;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aksradar::apply::{self, Options, Planner};
use aksradar::azure::{Accepted, ArmClient, ClientError, Clock, Credentials, Ended, Limits, RetryPolicy};
use aksradar::config::Config;
use aksradar::model::Rule;
use aksradar::remediate::Scope;
use aksradar::remediate::outcome::{ChangeState, Ending};
use aksradar::remediate::plan::Target;
use hostile::{Hostile, Reply};
use reqwest::Url;
use serde_json::{Value, json};

const SCOPE: &str = "https://management.azure.com/.default";
const TOKEN: &str = "write-test-token";
const CLUSTER: &str = "/subscriptions/6f1d3c2a-8b7e-4d5f-9a0b-1c2d3e4f5a6b/resourceGroups/rg/providers/\
                       Microsoft.ContainerService/managedClusters/aks-1";

fn limits(max_wait: Duration) -> Limits {
    Limits {
        max_wait,
        read_deadline: Duration::from_secs(300),
        max_pages: 50,
        max_items: 1_000,
        max_body_bytes: 1024 * 1024,
    }
}

fn client(base: &str, max_wait: Duration) -> ArmClient {
    let retry = RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(100),
        timeout: Duration::from_secs(10),
    };
    ArmClient::new(base, SCOPE, Arc::new(Credentials::fixed(TOKEN)), retry)
        .expect("client")
        .with_limits(limits(max_wait))
        .with_clock(Clock::manual())
}

fn cluster_url(base: &str) -> Url {
    Url::parse(&format!("{base}{CLUSTER}?api-version=2025-10-01")).expect("url")
}

/// A write answered 200 with `Azure-AsyncOperation` at `/operations/op-1` and
/// `Retry-After: first`, then each look at the operation answered by `status(n)`
/// (n counts the looks from 0): a status and its `Retry-After`, if any.
async fn operation_server(first: &'static str, status: fn(usize) -> (Value, Option<&'static str>)) -> Hostile {
    let looks = Arc::new(Mutex::new(0usize));
    Hostile::start(move |request| {
        if request.method == "PUT" {
            let operation = format!("{}/operations/op-1?api-version=2025-10-01", request.base);
            return Reply::status(
                200,
                &[("azure-asyncoperation", &operation), ("retry-after", first)],
                r#"{"name":"aks-1"}"#,
            );
        }
        let mut n = looks.lock().unwrap();
        let (body, retry_after) = status(*n);
        *n += 1;
        let headers: Vec<(&str, &str)> = retry_after.map(|r| ("retry-after", r)).into_iter().collect();
        Reply::status(200, &headers, body.to_string())
    })
    .await
}

async fn put(client: &ArmClient, server: &Hostile) -> Accepted {
    client
        .put(&cluster_url(&server.url), &json!({}), Some("tag"), client.deadline())
        .await
        .expect("the write is accepted")
}

fn secs(list: &[u64]) -> Vec<Duration> {
    list.iter().map(|s| Duration::from_secs(*s)).collect()
}

#[tokio::test]
async fn a_put_carries_its_entity_tag_token_and_body_and_a_delete_its_tag() {
    let server = Hostile::start(|request| match request.method.as_str() {
        "PUT" => {
            let operation = format!("{}/operations/0b5ec0de-7?api-version=2025-10-01", request.base);
            Reply::status(
                200,
                &[("azure-asyncoperation", &operation), ("retry-after", "3")],
                r#"{"name":"aks-1","properties":{"provisioningState":"Updating"}}"#,
            )
        }
        _ => Reply::Bytes {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
        },
    })
    .await;
    let client = client(&server.url, Duration::from_secs(60));
    let url = cluster_url(&server.url);
    let body = json!({"properties": {"autoUpgradeProfile": {"nodeOSUpgradeChannel": "SecurityPatch"}}});
    let accepted = client
        .put(&url, &body, Some("\"etag-1\""), client.deadline())
        .await
        .expect("accepted");
    assert_eq!(accepted.body["properties"]["provisioningState"], "Updating");
    assert_eq!(accepted.operation_id().as_deref(), Some("0b5ec0de-7"));
    assert_eq!(accepted.retry_after, Some(Duration::from_secs(3)));

    let deleted = client
        .delete(&url, Some("\"etag-2\""), client.deadline())
        .await
        .expect("deleted");
    assert_eq!(deleted.body, Value::Null, "an empty answer is no body");
    assert_eq!(
        deleted.operation, None,
        "a synchronous write has no operation to follow"
    );
    client
        .put(&url, &body, None, client.deadline())
        .await
        .expect("accepted");

    let seen = server.requests();
    let sent: Vec<(&str, Option<&str>)> = seen
        .iter()
        .map(|r| (r.method.as_str(), r.if_match.as_deref()))
        .collect();
    assert_eq!(
        sent,
        [
            ("PUT", Some("\"etag-1\"")),
            ("DELETE", Some("\"etag-2\"")),
            ("PUT", None)
        ],
        "the tag goes as given, and only when given"
    );
    let bearer = format!("Bearer {TOKEN}");
    assert!(seen.iter().all(|r| r.authorization.as_deref() == Some(bearer.as_str())));
    let put: Value = serde_json::from_slice(&seen[0].body).expect("a JSON body");
    assert_eq!(put, body, "the body as given");
    assert!(seen[1].body.is_empty(), "a DELETE has no body");
}

#[tokio::test]
async fn a_412_or_a_409_comes_back_to_the_caller_at_once_and_is_never_retried() {
    let cases = [
        (
            412,
            "PreconditionFailed",
            "Operation is not allowed: the If-Match eTag does not match",
        ),
        (
            409,
            "OperationNotAllowed",
            "Operation is not allowed: another operation is in progress",
        ),
    ];
    for (status, code, message) in cases {
        let server = Hostile::start(move |_| {
            Reply::status(
                status,
                &[],
                json!({"error": {"code": code, "message": message}}).to_string(),
            )
        })
        .await;
        let client = client(&server.url, Duration::from_secs(60));
        let url = cluster_url(&server.url);
        let refused = client.put(&url, &json!({}), Some("old"), client.deadline()).await;
        let Err(ClientError::Api {
            status: got,
            code: got_code,
            message: got_message,
            ..
        }) = refused
        else {
            panic!("{status}: {refused:?}");
        };
        assert_eq!((got, got_code.as_str(), got_message.as_str()), (status, code, message));
        assert_eq!(server.requests().len(), 1, "{status}: one request, no retry");
        assert!(client.clock().waits().is_empty(), "{status}: no wait");
    }
}

#[tokio::test]
async fn an_operation_is_followed_as_retry_after_asks_until_it_succeeds() {
    let server = operation_server("5", |n| match n {
        0 => (json!({"status": "InProgress"}), Some("3")),
        1 => (json!({"status": "InProgress"}), Some("0")),
        2 => (json!({"status": "InProgress"}), None),
        _ => (json!({"status": "Succeeded"}), None),
    })
    .await;
    let client = client(&server.url, Duration::from_secs(60));
    let accepted = put(&client, &server).await;
    let heard = Mutex::new(Vec::new());
    let deadline = client.clock().now() + Duration::from_secs(600);
    let ended = client
        .follow(&accepted, deadline, |wait| heard.lock().unwrap().push(wait))
        .await;
    assert_eq!(ended.expect("followed"), Ended::Succeeded);
    // 5 s as the write asked, 3 s as the first look asked, at least 1 s when asked
    // for 0, and the last wait again when a look says nothing.
    assert_eq!(client.clock().waits(), secs(&[5, 3, 1, 1]));
    assert_eq!(*heard.lock().unwrap(), secs(&[5, 3, 1, 1]), "each wait is told first");
    let looks: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(looks.len(), 4);
    assert!(
        looks.iter().all(|t| t == "/operations/op-1?api-version=2025-10-01"),
        "{looks:?}"
    );
}

#[tokio::test]
async fn a_retry_after_of_days_waits_max_wait_and_a_max_wait_under_a_second_wins_over_the_floor() {
    let server = operation_server("999999", |n| match n {
        0 => (json!({"status": "Running"}), Some("999999")),
        _ => (json!({"status": "Succeeded"}), None),
    })
    .await;
    let client = client(&server.url, Duration::from_secs(60));
    let accepted = put(&client, &server).await;
    let deadline = client.clock().now() + Duration::from_secs(86_400);
    assert_eq!(
        client.follow(&accepted, deadline, |_| {}).await.expect("followed"),
        Ended::Succeeded
    );
    assert_eq!(
        client.clock().waits(),
        secs(&[60, 60]),
        "limits.max_wait caps every wait"
    );

    let server = operation_server("0", |_| (json!({"status": "Succeeded"}), None)).await;
    let client = self::client(&server.url, Duration::from_millis(500));
    let accepted = put(&client, &server).await;
    let deadline = client.clock().now() + Duration::from_secs(60);
    assert_eq!(
        client.follow(&accepted, deadline, |_| {}).await.expect("followed"),
        Ended::Succeeded
    );
    assert_eq!(client.clock().waits(), [Duration::from_millis(500)]);
}

#[tokio::test]
async fn an_operation_that_does_not_end_is_given_up_at_the_deadline_saying_it_may_still_run() {
    let server = operation_server("10", |_| (json!({"status": "InProgress"}), Some("10"))).await;
    let client = client(&server.url, Duration::from_secs(60));
    let accepted = put(&client, &server).await;
    let deadline = client.clock().now() + Duration::from_secs(35);
    let err = client
        .follow(&accepted, deadline, |_| {})
        .await
        .expect_err("never ends");
    let ClientError::Deadline { message, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        message.contains("the operation had not ended when the time allowed for it ran out"),
        "{message}"
    );
    assert!(message.contains("it may still be running in Azure"), "{message}");
    assert_eq!(
        client.clock().waits(),
        secs(&[10, 10, 10]),
        "no wait runs past the deadline"
    );
    assert_eq!(server.requests().iter().filter(|r| r.method == "GET").count(), 3);
}

#[tokio::test]
async fn a_failed_or_canceled_operation_ends_with_what_azure_says() {
    let failed = operation_server("1", |_| {
        (
            json!({"status": "Failed", "error": {"code": "UpgradeFailed", "message": "drain of node 2 timed out"}}),
            None,
        )
    })
    .await;
    let client = client(&failed.url, Duration::from_secs(60));
    let accepted = put(&client, &failed).await;
    let deadline = client.clock().now() + Duration::from_secs(60);
    assert_eq!(
        client.follow(&accepted, deadline, |_| {}).await.expect("followed"),
        Ended::Failed {
            code: "UpgradeFailed".into(),
            message: "drain of node 2 timed out".into()
        }
    );

    let canceled = operation_server("1", |_| (json!({"status": "Canceled"}), None)).await;
    let client = self::client(&canceled.url, Duration::from_secs(60));
    let accepted = put(&client, &canceled).await;
    let deadline = client.clock().now() + Duration::from_secs(60);
    assert_eq!(
        client.follow(&accepted, deadline, |_| {}).await.expect("followed"),
        Ended::Canceled
    );

    let silent = operation_server("1", |_| (json!({"percentComplete": 50}), None)).await;
    let client = self::client(&silent.url, Duration::from_secs(60));
    let accepted = put(&client, &silent).await;
    let deadline = client.clock().now() + Duration::from_secs(60);
    let err = client.follow(&accepted, deadline, |_| {}).await.expect_err("no status");
    assert!(
        matches!(&err, ClientError::Malformed { message, .. } if message.contains("has no `status`")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_operation_on_another_origin_is_never_looked_at_and_gets_no_token() {
    let other = Hostile::start(|_| Reply::ok(r#"{"status":"Succeeded"}"#)).await;
    let elsewhere = format!("{}/operations/op-1?api-version=2025-10-01", other.url);
    let server = Hostile::start(move |_| {
        Reply::status(200, &[("azure-asyncoperation", &elsewhere), ("retry-after", "1")], "{}")
    })
    .await;
    let client = client(&server.url, Duration::from_secs(60));
    let accepted = put(&client, &server).await;
    let deadline = client.clock().now() + Duration::from_secs(60);
    let err = client.follow(&accepted, deadline, |_| {}).await.expect_err("refused");
    assert!(matches!(err, ClientError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("the token goes nowhere else"), "{err}");
    assert!(other.requests().is_empty(), "{:?}", other.requests());
}

#[tokio::test]
async fn an_operation_header_that_is_no_url_is_a_clear_error() {
    let server = Hostile::start(|_| Reply::status(200, &[("azure-asyncoperation", "not a url")], "{}")).await;
    let client = client(&server.url, Duration::from_secs(60));
    let err = client
        .put(&cluster_url(&server.url), &json!({}), Some("tag"), client.deadline())
        .await
        .expect_err("no operation to follow");
    let ClientError::Malformed { message, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        message.contains("the Azure-AsyncOperation header `not a url` is not a URL"),
        "{message}"
    );
}

#[tokio::test]
async fn a_cluster_read_without_an_entity_tag_is_never_written() {
    let server = Hostile::start(|request| match request.method.as_str() {
        "GET" if request.path().ends_with("/maintenanceConfigurations") => Reply::ok(r#"{"value":[]}"#),
        "GET" if request.path().ends_with("/upgradeProfiles/default") => {
            Reply::ok(r#"{"properties":{"controlPlaneProfile":{"upgrades":[]},"agentPoolProfiles":[]}}"#)
        }
        "GET" if request.path().ends_with("/kubernetesVersions") => Reply::ok(r#"{"values":[]}"#),
        "GET" => {
            let mut cluster = hostile::cluster(hostile::SUB, "rg", "aks-1");
            cluster["properties"]["autoUpgradeProfile"]["nodeOSUpgradeChannel"] = json!("Unmanaged");
            Reply::ok(cluster.to_string())
        }
        _ => Reply::status(200, &[], "{}"),
    })
    .await;
    let client = Arc::new(client(&server.url, Duration::from_secs(60)));
    let planner = Arc::new(Planner {
        config: Arc::new(Config::default()),
        scope: Scope::of([Rule::NodeAutoUpgrade]),
        clock: || time::macros::datetime!(2026-11-26 12:00 UTC),
    });
    let target = Target {
        id: CLUSTER.to_string(),
        name: "aks-1".into(),
        subscription_id: hostile::SUB.into(),
        resource_group: "rg".into(),
    };
    let fresh = apply::read_cluster(&client, &planner, &target).await.expect("read");
    assert_eq!(
        fresh.plan.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["autoUpgradeProfile.nodeOSUpgradeChannel: Unmanaged → SecurityPatch"]
    );
    let (events, _heard) = tokio::sync::mpsc::unbounded_channel();
    let (_control, listen) = tokio::sync::mpsc::unbounded_channel();
    let options = Options {
        max_parallel: 1,
        conflict_deadline: Duration::from_secs(60),
        operation_deadline: Duration::from_secs(600),
    };
    let results = apply::apply(client, planner, vec![fresh.plan], options, None, events, listen).await;
    assert_eq!(results[0].ending, Ending::Failed);
    let ChangeState::Failed { code, message, .. } = &results[0].states[0] else {
        panic!("{:?}", results[0].states);
    };
    assert_eq!(code, "NoEntityTag");
    assert!(message.contains("nothing was written"), "{message}");
    let methods: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert!(
        methods.iter().all(|m| m == "GET"),
        "no write without If-Match: {methods:?}"
    );
}
