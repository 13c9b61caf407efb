//! Kubernetes versions as AKS lets them move: to a version the region offers, one
//! minor at a time, never down; pools no newer than the control plane and at most
//! three minors behind it.

use super::Refusal;
use crate::sim::fleet::Offer;

/// A Kubernetes version as AKS accepts it: `1.34` or `1.34.6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct K8s {
    pub minor: (u32, u32),
    pub patch: Option<u32>,
}

impl K8s {
    pub fn parse(text: &str) -> Option<K8s> {
        let mut parts = text.split('.');
        let number = |p: Option<&str>| {
            p.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?
                .parse()
                .ok()
        };
        let major = number(parts.next())?;
        let minor = number(parts.next())?;
        let patch = match parts.next() {
            None => None,
            Some(p) => Some(number(Some(p))?),
        };
        parts.next().is_none().then_some(K8s {
            minor: (major, minor),
            patch,
        })
    }

    fn full(minor: (u32, u32), patch: u32) -> String {
        format!("{}.{}.{patch}", minor.0, minor.1)
    }
}

/// Every version `offers` lists, newest first, that a control plane or pool on
/// `current` may move to: newer patches of its minor and the next minor's patches.
fn upgrades_from(current: K8s, offers: &[Offer]) -> Vec<String> {
    let (minor, patch) = (current.minor, current.patch.unwrap_or(0));
    let mut out: Vec<(u32, u32, u32)> = offers
        .iter()
        .flat_map(|o| o.patches.iter().map(move |&p| (o.minor.0, o.minor.1, p)))
        .filter(|&(ma, mi, p)| ((ma, mi) == minor && p > patch) || (ma, mi) == (minor.0, minor.1 + 1))
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.into_iter().map(|(ma, mi, p)| K8s::full((ma, mi), p)).collect()
}

/// Whether `offers` lists `version` (a minor, or a patch of a listed minor).
fn offered(version: K8s, offers: &[Offer]) -> bool {
    offers
        .iter()
        .any(|o| o.minor == version.minor && version.patch.is_none_or(|p| o.patches.contains(&p)))
}

/// The full version `requested` resolves to: itself, or for a minor alone the
/// current patch when it is that minor, else the minor's newest patch.
fn resolve(requested: K8s, current: K8s, offers: &[Offer]) -> String {
    match requested.patch {
        Some(p) => K8s::full(requested.minor, p),
        None if requested.minor == current.minor => K8s::full(current.minor, current.patch.unwrap_or(0)),
        None => offers
            .iter()
            .find(|o| o.minor == requested.minor)
            .and_then(|o| o.patches.last())
            .map_or_else(|| K8s::full(requested.minor, 0), |&p| K8s::full(requested.minor, p)),
    }
}

/// Checks a new `kubernetesVersion` against the running `current` (a full version)
/// in a region offering `offers`, and returns the full version the control plane
/// will run.
pub fn cluster_version(current: &str, requested: &str, offers: &[Offer]) -> Result<String, Refusal> {
    let target = "properties.kubernetesVersion";
    let now = K8s::parse(current).unwrap_or(K8s {
        minor: (0, 0),
        patch: None,
    });
    let want = K8s::parse(requested).ok_or_else(|| {
        Refusal::invalid(
            target,
            format!("The kubernetesVersion '{requested}' is not a version: use MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.34 or 1.34.6."),
        )
    })?;
    let unchanged = want.minor == now.minor && want.patch.is_none_or(|p| Some(p) == now.patch);
    if unchanged {
        return Ok(resolve(want, now, offers));
    }
    if !offered(want, offers) {
        return Err(Refusal::bad(
            "K8sVersionNotSupported",
            format!(
                "Version {requested} is not supported in this region. Please use [az aks get-versions] command to get \
                 the supported version list in this region. For more information, please check \
                 https://aka.ms/supported-version-list"
            ),
        ));
    }
    let available = upgrades_from(now, offers).join(" ");
    let lower = want.minor < now.minor || (want.minor == now.minor && want.patch < now.patch);
    if lower {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!(
                "Downgrading Kubernetes version {current} to {requested} is not allowed. Available upgrades: \
                 [{available}]. Please see https://aka.ms/aks-supported-k8s-ver for version details."
            ),
        ));
    }
    if want.minor.0 != now.minor.0 || want.minor.1 > now.minor.1 + 1 {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!(
                "Upgrading Kubernetes version {current} to {requested} is not allowed. Available upgrades: \
                 [{available}]. Please see https://aka.ms/aks-supported-k8s-ver for version details."
            ),
        ));
    }
    Ok(resolve(want, now, offers))
}

/// Node pools may lag the control plane by at most this many minors.
const POOL_SKEW: u32 = 3;

/// Checks a pool's new `orchestratorVersion` against what the pool runs
/// (`current`), the control plane's version once this write is done
/// (`control_plane`, a full version) and the region's `offers`, and returns the
/// full version the pool will run. A pool may always move to the control plane's
/// own version, offered or not.
pub fn pool_version(
    pool: &str,
    current: &str,
    requested: &str,
    control_plane: &str,
    offers: &[Offer],
) -> Result<String, Refusal> {
    let target = format!("properties.agentPoolProfiles[{pool}].orchestratorVersion");
    let now = K8s::parse(current).unwrap_or(K8s {
        minor: (0, 0),
        patch: None,
    });
    let plane = K8s::parse(control_plane).unwrap_or(now);
    let want = K8s::parse(requested).ok_or_else(|| {
        Refusal::invalid(
            &target,
            format!("The orchestratorVersion '{requested}' of agent pool '{pool}' is not a version."),
        )
    })?;
    if want.minor == now.minor && want.patch.is_none_or(|p| Some(p) == now.patch) {
        return Ok(resolve(want, now, offers));
    }
    let incompatible = |why: &str| {
        Refusal::bad(
            "NodePoolMcVersionIncompatible",
            format!(
                "Node pool version {requested} and control plane version {control_plane} are incompatible. {why} \
                 Minor version of node pool is {} and control plane is {}. For more information, please check \
                 https://aka.ms/version-skew-policy",
                want.minor.1, plane.minor.1
            ),
        )
    };
    if want.minor > plane.minor || (want.minor == plane.minor && want.patch > plane.patch) {
        return Err(incompatible(
            "Node pool version cannot be greater than the control plane's version.",
        ));
    }
    if want.minor.0 != plane.minor.0 || want.minor.1 + POOL_SKEW < plane.minor.1 {
        return Err(incompatible(
            "Minor version of node pool cannot be more than 3 versions less than control plane's version.",
        ));
    }
    let is_control_plane = want.minor == plane.minor && want.patch.is_none_or(|p| Some(p) == plane.patch);
    if !is_control_plane && !offered(want, offers) {
        return Err(Refusal::bad(
            "AgentPoolK8sVersionNotSupported",
            format!(
                "Version {requested} is not supported in this region. Please use [az aks get-versions] command to get \
                 the supported version list in this region. For more information, please check \
                 https://aka.ms/supported-version-list"
            ),
        ));
    }
    if want.minor < now.minor || (want.minor == now.minor && want.patch < now.patch) {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!("Downgrading agent pool '{pool}' from {current} to {requested} is not allowed."),
        ));
    }
    if want.minor.1 > now.minor.1 + 1 {
        return Err(Refusal::bad(
            "OperationNotAllowed",
            format!(
                "Upgrade agent pool version from {current} to {requested} is not allowed, you can only upgrade one \
                 minor version at a time. Please use [az aks get-upgrades] command to get the supported upgrade \
                 paths. For more information, please check https://aka.ms/version-skew-policy"
            ),
        ));
    }
    Ok(if is_control_plane {
        control_plane.to_string()
    } else {
        resolve(want, now, offers)
    })
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    /// westeurope's offers in the generated fleet, spelled out: 1.31-1.36, no preview.
    const OFFERS: &[Offer] = &[
        Offer {
            minor: (1, 31),
            patches: &[12, 13],
            preview: false,
        },
        Offer {
            minor: (1, 32),
            patches: &[9, 10],
            preview: false,
        },
        Offer {
            minor: (1, 33),
            patches: &[7, 10],
            preview: false,
        },
        Offer {
            minor: (1, 34),
            patches: &[5, 6],
            preview: false,
        },
        Offer {
            minor: (1, 35),
            patches: &[3, 5],
            preview: false,
        },
    ];

    #[test]
    fn cluster_versions_move_one_minor_at_a_time_to_what_the_region_offers() {
        let cases: &[(&str, &str, Result<&str, &str>)] = &[
            ("1.33.5", "1.33.10", Ok("1.33.10")),
            ("1.33.5", "1.34.6", Ok("1.34.6")),
            ("1.33.5", "1.34", Ok("1.34.6")),
            ("1.33.10", "1.33", Ok("1.33.10")),
            ("1.33.5", "1.33.5", Ok("1.33.5")),
            ("1.30.14", "1.30.14", Ok("1.30.14")),
            ("1.33.5", "1.35.5", Err("OperationNotAllowed")),
            ("1.33.5", "1.33.2", Err("K8sVersionNotSupported")),
            ("1.33.10", "1.33.7", Err("OperationNotAllowed")),
            ("1.34.6", "1.33.10", Err("OperationNotAllowed")),
            ("1.33.5", "1.33.11", Err("K8sVersionNotSupported")),
            ("1.35.5", "1.36.2", Err("K8sVersionNotSupported")),
            ("1.30.14", "1.32.10", Err("OperationNotAllowed")),
            ("1.33.5", "latest", Err("InvalidParameter")),
            ("1.33.5", "1.34.x", Err("InvalidParameter")),
            ("1.33.5", "2.0.0", Err("K8sVersionNotSupported")),
        ];
        for &(current, requested, want) in cases {
            let got = cluster_version(current, requested, OFFERS);
            match (got, want) {
                (Ok(v), Ok(w)) => assert_eq!(v, w, "{current} -> {requested}"),
                (Err(r), Err(code)) => {
                    assert_eq!(r.code, code, "{current} -> {requested}: {}", r.message);
                    assert_eq!(r.status, StatusCode::BAD_REQUEST);
                }
                (got, want) => panic!("{current} -> {requested}: got {got:?}, want {want:?}"),
            }
        }
        let skip = cluster_version("1.33.5", "1.35.5", OFFERS).unwrap_err();
        assert_eq!(
            skip.message,
            "Upgrading Kubernetes version 1.33.5 to 1.35.5 is not allowed. Available upgrades: [1.34.6 1.34.5 1.33.10 \
             1.33.7]. Please see https://aka.ms/aks-supported-k8s-ver for version details."
        );
    }

    #[test]
    fn pool_versions_stay_within_the_control_planes_skew() {
        let cases: &[(&str, &str, &str, Result<&str, &str>)] = &[
            ("1.32.10", "1.33.10", "1.33.10", Ok("1.33.10")),
            ("1.33.2", "1.33.10", "1.33.10", Ok("1.33.10")),
            // The control plane's own version, even one the region no longer lists.
            ("1.30.10", "1.30.14", "1.30.14", Ok("1.30.14")),
            ("1.33.5", "1.33", "1.33.10", Ok("1.33.5")),
            ("1.33.5", "1.34.6", "1.33.10", Err("NodePoolMcVersionIncompatible")),
            ("1.33.5", "1.33.10", "1.33.7", Err("NodePoolMcVersionIncompatible")),
            ("1.31.12", "1.31.13", "1.35.5", Err("NodePoolMcVersionIncompatible")),
            ("1.31.13", "1.33.10", "1.33.10", Err("OperationNotAllowed")),
            ("1.33.10", "1.33.7", "1.33.10", Err("OperationNotAllowed")),
            ("1.32.7", "1.32.8", "1.33.10", Err("AgentPoolK8sVersionNotSupported")),
            ("1.33.5", "v1.33", "1.33.10", Err("InvalidParameter")),
        ];
        for &(current, requested, plane, want) in cases {
            let got = pool_version("apps", current, requested, plane, OFFERS);
            match (got, want) {
                (Ok(v), Ok(w)) => assert_eq!(v, w, "{current} -> {requested} under {plane}"),
                (Err(r), Err(code)) => {
                    assert_eq!(r.code, code, "{current} -> {requested} under {plane}: {}", r.message)
                }
                (got, want) => panic!("{current} -> {requested} under {plane}: got {got:?}, want {want:?}"),
            }
        }
    }
}
