//! The checks AKS makes before it accepts a write, with AKS's error codes and
//! messages: channel values and how they combine (here), Kubernetes versions
//! (`versions`: offered in the region, one minor at a time, never down, pools within
//! the control plane's skew), maintenance windows (`maintenance`), and the
//! api-versions writes need (here).
//!
//! Pure functions of the request and the current values; each returns what AKS
//! stores (values in their canonical spelling) or the refusal. Codes that public
//! captures show are AKS's own (`OperationNotAllowed`, `K8sVersionNotSupported`,
//! `AgentPoolK8sVersionNotSupported`, `NodePoolMcVersionIncompatible`); the rest use
//! ARM's generic `InvalidParameter` with the property as `target`.

mod maintenance;
mod versions;

use axum::http::StatusCode;
pub use maintenance::{MAINTENANCE_NAMES, maintenance_name, maintenance_properties};
use serde_json::{Map, Value, json};
pub use versions::{cluster_version, pool_version};

use super::wire::Reply;

/// Why a write is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The property at fault, when there is one.
    pub target: Option<String>,
}

impl Refusal {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            target: None,
        }
    }

    pub(super) fn bad(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `InvalidParameter` naming the property.
    pub fn invalid(target: &str, message: impl Into<String>) -> Refusal {
        Refusal {
            target: Some(target.to_string()),
            ..Refusal::bad("InvalidParameter", message)
        }
    }

    /// The ARM error envelope.
    pub fn reply(self) -> Reply {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        if let Some(target) = self.target {
            error.insert("target".into(), json!(target));
        }
        Reply::json(self.status, &json!({ "error": error }))
    }
}

/// The oldest api-version whose schema has the node OS channel, and the first with
/// `SecurityPatch` in it (`azure-api-reference.md` §1.4).
pub const WRITE_API_VERSION_MIN: &str = "2023-06-01";
const SECURITY_PATCH_API_VERSION_MIN: &str = "2024-05-01";

/// Writes need an api-version whose schema has the properties aksradar fixes.
pub fn write_api_version(api_version: &str) -> Result<(), Refusal> {
    // `YYYY-MM-DD[-suffix]` (checked before routing) orders as text.
    if api_version < WRITE_API_VERSION_MIN {
        return Err(Refusal::bad(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{api_version}' is too old for writes to managed clusters in this simulator: \
                 nodeOSUpgradeChannel first appears in {WRITE_API_VERSION_MIN}. Use {WRITE_API_VERSION_MIN} or later."
            ),
        ));
    }
    Ok(())
}

const UPGRADE_CHANNELS: &[&str] = &["rapid", "stable", "patch", "node-image", "none"];
const NODE_OS_CHANNELS: &[&str] = &["None", "Unmanaged", "NodeImage", "SecurityPatch"];

/// The canonical spelling of `value` among `allowed` (AKS enums ignore case).
fn one_of(target: &str, value: &Value, allowed: &[&'static str]) -> Result<Option<&'static str>, Refusal> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(s))
            .map(|a| Some(*a))
            .ok_or_else(|| {
                Refusal::invalid(
                    target,
                    format!(
                        "The value '{s}' of {target} is not valid. Allowed values: {}.",
                        allowed.join(", ")
                    ),
                )
            }),
        other => Err(Refusal::invalid(
            target,
            format!("{target} must be a string, not {other}."),
        )),
    }
}

/// `properties.autoUpgradeProfile` as AKS stores it: channel values checked and
/// spelled canonically; `nodeOSUpgradeChannel` set to NodeImage when the cluster
/// channel is `node-image` and refused as anything else.
pub fn auto_upgrade_profile(profile: &Value, api_version: &str) -> Result<Value, Refusal> {
    let Some(object) = profile.as_object() else {
        return match profile {
            Value::Null => Ok(Value::Null),
            other => Err(Refusal::invalid(
                "properties.autoUpgradeProfile",
                format!("properties.autoUpgradeProfile must be an object, not {other}."),
            )),
        };
    };
    let field = |name: &str| object.get(name).unwrap_or(&Value::Null);
    let upgrade = one_of(
        "properties.autoUpgradeProfile.upgradeChannel",
        field("upgradeChannel"),
        UPGRADE_CHANNELS,
    )?;
    let mut node_os = one_of(
        "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
        field("nodeOSUpgradeChannel"),
        NODE_OS_CHANNELS,
    )?;
    if node_os == Some("SecurityPatch") && api_version < SECURITY_PATCH_API_VERSION_MIN {
        return Err(Refusal::invalid(
            "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
            format!(
                "The value 'SecurityPatch' of properties.autoUpgradeProfile.nodeOSUpgradeChannel is not valid in \
                 api-version {api_version}. Allowed values: None, Unmanaged, NodeImage. SecurityPatch needs \
                 api-version {SECURITY_PATCH_API_VERSION_MIN} or later."
            ),
        ));
    }
    if upgrade == Some("node-image") {
        match node_os {
            None => node_os = Some("NodeImage"),
            Some("NodeImage") => {}
            Some(other) => {
                return Err(Refusal::invalid(
                    "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
                    format!(
                        "nodeOSUpgradeChannel '{other}' is not allowed while upgradeChannel is 'node-image': \
                         with the node-image channel, AKS sets and keeps nodeOSUpgradeChannel NodeImage. \
                         Change upgradeChannel to another channel first, or set nodeOSUpgradeChannel to NodeImage."
                    ),
                ));
            }
        }
    }
    let mut out = object.clone();
    for (key, value) in [("upgradeChannel", upgrade), ("nodeOSUpgradeChannel", node_os)] {
        match value {
            Some(v) => out.insert(key.into(), json!(v)),
            None => out.remove(key),
        };
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_checked_spelled_canonically_and_node_image_keeps_node_os_at_node_image() {
        let ok = |profile: Value, version: &str| auto_upgrade_profile(&profile, version).expect("accepted");
        assert_eq!(
            ok(
                json!({ "upgradeChannel": "PATCH", "nodeOSUpgradeChannel": "securitypatch" }),
                "2026-06-01"
            ),
            json!({ "upgradeChannel": "patch", "nodeOSUpgradeChannel": "SecurityPatch" })
        );
        assert_eq!(
            ok(json!({ "upgradeChannel": "node-image" }), "2025-10-01"),
            json!({ "upgradeChannel": "node-image", "nodeOSUpgradeChannel": "NodeImage" })
        );
        assert_eq!(
            ok(
                json!({ "upgradeChannel": null, "nodeOSUpgradeChannel": "NodeImage" }),
                "2025-10-01"
            ),
            json!({ "nodeOSUpgradeChannel": "NodeImage" })
        );
        let refused = |profile: Value, version: &str| auto_upgrade_profile(&profile, version).expect_err("refused");
        let conflict = refused(
            json!({ "upgradeChannel": "node-image", "nodeOSUpgradeChannel": "SecurityPatch" }),
            "2026-06-01",
        );
        assert_eq!(conflict.code, "InvalidParameter");
        assert_eq!(
            conflict.target.as_deref(),
            Some("properties.autoUpgradeProfile.nodeOSUpgradeChannel")
        );
        assert!(
            conflict.message.contains("while upgradeChannel is 'node-image'"),
            "{}",
            conflict.message
        );
        let unknown = refused(json!({ "nodeOSUpgradeChannel": "Weekly" }), "2026-06-01");
        assert!(
            unknown
                .message
                .contains("Allowed values: None, Unmanaged, NodeImage, SecurityPatch")
        );
        let old = refused(json!({ "nodeOSUpgradeChannel": "SecurityPatch" }), "2023-06-01");
        assert!(old.message.contains("needs api-version 2024-05-01"), "{}", old.message);
        assert!(
            refused(json!({ "upgradeChannel": 3 }), "2026-06-01")
                .message
                .contains("must be a string")
        );
        assert!(write_api_version("2023-05-01").is_err());
        assert!(write_api_version("2026-06-01").is_ok());
        assert!(write_api_version("2024-02-02-preview").is_ok());
    }
}
