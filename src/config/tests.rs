//! Config as specifications: defaults, what each table reads, and a table of mistakes
//! with the place and the words each one is reported with.

use super::*;

pub(super) fn parse(text: &str) -> Result<Config, String> {
    Config::parse(text, Path::new("config.toml")).map_err(|e| e.to_string())
}

#[test]
fn an_empty_file_gives_the_documented_defaults() {
    let config = parse("").unwrap();
    assert_eq!(
        config.rules.kubernetes_minimum_version,
        Version::parse("1.33.7").unwrap()
    );
    assert_eq!(config.remediation.node_os_channel, NodeOsChannel::SecurityPatch);
    assert_eq!(config.remediation.upgrade_channel, UpgradeChannel::Patch);
    assert_eq!(config.remediation.api_version, "2025-10-01");
    assert_eq!(config.remediation.maintenance_window.duration_hours, 4);
    let window = parse("[remediation.maintenance_window]\nstart_time = \"23:59\"\nutc_offset = \"-05:30\"\n").unwrap();
    assert_eq!(window.remediation.maintenance_window.utc_offset, "-05:30");
    assert_eq!(config.enabled_rules().count(), 5);
    assert_eq!(config.insights.node_image_max_age_days, 30);
    assert_eq!(config.insights.support_warning_days, 60);
    assert_eq!(
        config.support_calendar(),
        *built_in_support_calendar(),
        "no [support]: the built-in calendar"
    );
}

#[test]
fn waivers_and_disabled_rules_are_read_by_any_rule_name() {
    let config = parse(
        "[rules]\ndisabled = [\"MaintenanceWindow\", \"AZR-000016\"]\n\n\
         [[waivers]]\ncluster = \"aks-legacy-*\"\nrule = \"Azure.AKS.NodeAutoUpgrade\"\n\
         reason = \"vendor appliance\"\nexpires = 2027-01-31\n",
    )
    .unwrap();
    assert_eq!(config.rules.disabled, vec![Rule::MaintenanceWindow, Rule::PoolVersion]);
    assert_eq!(config.waivers[0].rule, Rule::NodeAutoUpgrade);
    assert_eq!(config.waivers[0].expires, Some(time::macros::date!(2027 - 01 - 31)));
    assert_eq!(config.enabled_rules().count(), 3);
}

#[test]
fn mistakes_name_the_file_line_and_key() {
    let cases = [
        (
            "[rules]\nminimum = \"1.2.3\"\n",
            "config.toml:2:1: ",
            "unknown field `minimum`",
        ),
        (
            "[rules]\nkubernetes_minimum_version = 133\n",
            "config.toml:2:",
            "rules.kubernetes_minimum_version",
        ),
        (
            "[rules]\nkubernetes_minimum_version = \"new\"\n",
            "config.toml:2:",
            "`new` is not a version",
        ),
        (
            "[rules]\ndisabled = [\"UseRBAC\"]\n",
            "config.toml:2:",
            "unknown rule `UseRBAC`",
        ),
        (
            "\n\n[remediation]\nnode_os_channel = \"Unmanaged\"\n",
            "config.toml:4:",
            "remediation.node_os_channel",
        ),
        (
            "[remediation]\napi_version = \"latest\"\n",
            "config.toml:2:",
            "not an api-version",
        ),
        (
            "[remediation.maintenance_window]\nstart_time = \"25:00\"\n",
            ":2:",
            "remediation.maintenance_window.start_time",
        ),
        (
            "[remediation.maintenance_window]\nutc_offset = \"+15:00\"\n",
            ":2:",
            "`+15:00` is not a UTC offset",
        ),
        (
            "[remediation.maintenance_window]\nutc_offset = \"02:00\"\n",
            ":2:",
            "not a UTC offset",
        ),
        (
            "[remediation.maintenance_window]\nduration_hours = 2\n",
            "config.toml:",
            "duration_hours must be 4 to 24",
        ),
        (
            "[remediation.maintenance_window]\nfrequency = \"Hourly\"\n",
            ":2:",
            "unknown variant `Hourly`",
        ),
        (
            "[[waivers]]\ncluster = \"x\"\nrule = \"Version\"\nreason = \"r\"\nexpires = \"soon\"\n",
            ":5:",
            "waivers.expires",
        ),
        (
            "[[waivers]]\ncluster = \"x\"\nrule = \"Version\"\n",
            "config.toml:",
            "missing field `reason`",
        ),
        ("auth = \"password\"\n", "config.toml:1:", "unknown variant `password`"),
        (
            "endpoint = \"http://management.azure.com\"\n",
            "config.toml:1:",
            "plain http",
        ),
        ("concurrency = 0\n", "config.toml:1:", "concurrency must be 1 to 256"),
        (
            "authority_host = \"http://127.0.0.1:8443\"\n",
            "config.toml:1:",
            "key `authority_host`: `http://127.0.0.1:8443` is not https",
        ),
        ("authority_host = \"login\"\n", "config.toml:1:", "is not a URL"),
        ("ca_file = 5\n", "config.toml:1:", "key `ca_file`"),
        ("subscriptions = \"abc\"\n", "config.toml:1:", "key `subscriptions`"),
        ("colour = true\n", "config.toml:1:1: ", "unknown field `colour`"),
        ("[keys]\ndown = 5\n", "config.toml:2:", "expected a key name or a list"),
        (
            "[highlight]\ntag = [\"env=prod\"]\n",
            "config.toml:2:",
            "unknown field `tag`",
        ),
        ("refresh_interval = \"5s\"\n", "config.toml:1:", "too often"),
        (
            "[insights]\nnode_image_max_age_days = 0\n",
            "config.toml:2:",
            "key `insights.node_image_max_age_days`: node_image_max_age_days must be 1 to 365",
        ),
        (
            "[insights]\nsupport_warning_days = -5\n",
            "config.toml:2:",
            "insights.support_warning_days",
        ),
        (
            "[insights]\nstale_days = 5\n",
            "config.toml:2:",
            "unknown field `stale_days`",
        ),
        (
            "[support.\"one\"]\nend = 2027-03-31\n",
            "config.toml:1:",
            "`one` is not a Kubernetes minor version",
        ),
        (
            "[support.\"1.34\"]\nend = \"2027/03\"\n",
            "config.toml:2:",
            "`2027/03` is not a date or a month",
        ),
        ("[rules\n", "config.toml:1:", ""),
    ];
    for (text, place, detail) in cases {
        let err = parse(text).expect_err(text);
        assert!(err.contains(place) && err.contains(detail), "{text:?} gave {err}");
    }
}

#[test]
fn keys_highlights_and_the_refresh_interval_are_read() {
    let config = parse(
        "refresh_interval = \"5m\"\n[keys]\ndown = [\"n\", \"<Down>\"]\nrefresh = \"R\"\n\
         [highlight]\ntags = [\"env=prod*\"]\nsubscriptions = [\"*Production*\"]\n",
    )
    .unwrap();
    assert_eq!(config.refresh_interval, Some(std::time::Duration::from_secs(300)));
    assert_eq!(config.keys.0.len(), 2);
    let refresh = config.keys.0.iter().find(|b| b.command.text == "refresh").unwrap();
    assert_eq!(refresh.keys, ["R"]);
    let prod = crate::model::Cluster {
        tags: std::collections::BTreeMap::from([("ENV".to_string(), "production".to_string())]).into(),
        ..Default::default()
    };
    assert!(config.highlight.matches(&prod));
    let named = crate::model::Cluster {
        subscription_name: Some("Contoso Production".into()),
        ..Default::default()
    };
    assert!(config.highlight.matches(&named));
    assert!(!config.highlight.matches(&crate::model::Cluster::default()));
    assert_eq!(parse("refresh_interval = \"0\"\n").unwrap().refresh_interval, None);
}

#[test]
fn a_missing_default_file_means_defaults_but_a_named_one_must_exist() {
    let missing = Path::new("/nonexistent/aksradar/config.toml");
    assert_eq!(Config::load(missing, false).unwrap(), Config::default());
    let err = Config::load(missing, true).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/aksradar/config.toml"), "{err}");
}

#[test]
fn the_example_config_loads_and_documents_every_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let config = Config::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!config.waivers.is_empty(), "the example shows a waiver");
    for key in [
        "auth",
        "cloud",
        "endpoint",
        "tenant",
        "authority_host",
        "ca_file",
        "subscriptions",
        "source",
        "concurrency",
        "request_timeout_seconds",
        "kubernetes_minimum_version",
        "disabled",
        "[[waivers]]",
        "cluster",
        "rule",
        "reason",
        "expires",
        "node_os_channel",
        "upgrade_channel",
        "api_version",
        "[remediation.maintenance_window]",
        "frequency",
        "interval",
        "day_of_week",
        "day_of_month",
        "week_index",
        "duration_hours",
        "start_time",
        "utc_offset",
        "[insights]",
        "node_image_max_age_days",
        "support_warning_days",
        "[support.\"",
        "lts_end",
    ] {
        assert!(text.contains(key), "config.example.toml does not mention {key}");
    }
}

#[test]
fn a_huge_value_or_key_is_quoted_clipped_with_its_length() {
    let huge = "x".repeat(1 << 20);
    let cases = [
        format!("[rules]\nkubernetes_minimum_version = \"{huge}\"\n"),
        format!("auth = \"{huge}\"\n"),
        format!("{huge} = 1\n"),
        format!("[remediation]\napi_version = \"{huge}\"\n"),
        format!("refresh_interval = \"{huge}\"\n"),
        format!("endpoint = \"{huge}\"\n"),
        format!("[rules]\ndisabled = [\"{huge}\"]\n"),
    ];
    for text in &cases {
        let err = parse(text).expect_err("a mistake");
        assert!(err.len() < 1_000, "{} bytes: {}", err.len(), &err[..200]);
        assert!(err.starts_with("config.toml:"), "{err}");
        assert!(err.contains("xxxxxxxx"), "the start of the value is shown: {err}");
    }
    let err = parse(&cases[0]).unwrap_err();
    assert!(err.contains("(1048576 characters)"), "{err}");
    assert!(err.ends_with("write it like \"1.33.7\""), "the hint survives: {err}");
}

#[test]
fn a_file_that_is_not_utf8_names_the_line_and_column_of_the_bad_byte_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, b"auth = \"auto\"\n# caf\xe9 au lait\nendpoint = \"\"\n").unwrap();
    let err = Config::load(&path, true).unwrap_err();
    let shown = format!("{:#}", anyhow::Error::new(err));
    let expected = format!("{}:2:6: the file is not UTF-8 text (byte 0xE9 there)", path.display());
    assert!(shown.starts_with(&expected), "{shown}");
    assert_eq!(shown.matches("UTF-8").count(), 2, "said once: {shown}");
    assert!(shown.ends_with("save it as UTF-8"), "{shown}");
}

#[test]
fn an_unreadable_file_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone.toml");
    let err = Config::load(&gone, true).unwrap_err();
    let shown = format!("{:#}", anyhow::Error::new(err));
    assert!(shown.starts_with("cannot read config file"), "{shown}");
    let cause = std::fs::read(&gone).unwrap_err().to_string();
    assert_eq!(shown.matches(&cause).count(), 1, "{shown}");
}

#[test]
fn a_folder_a_fifo_or_a_huge_file_is_refused_before_it_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let err = Config::load(dir.path(), true).unwrap_err().to_string();
    assert!(err.contains("is a folder"), "{err}");

    // Opening a FIFO would wait for a writer for ever.
    let fifo = dir.path().join("config.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let err = Config::load(&fifo, false).unwrap_err().to_string();
    assert!(err.contains("not a regular file"), "{err}");

    let huge = dir.path().join("huge.toml");
    std::fs::File::create(&huge).unwrap().set_len(65 << 20).unwrap();
    let err = Config::load(&huge, true).unwrap_err().to_string();
    assert!(err.contains("68157440 bytes long"), "{err}");
}
