//! Routing: what a request path names, before its method, its subscription or its
//! resources are checked. Segments are matched ignoring case, as ARM does.
//!
//! Besides ARM and Resource Graph, the simulator's origin also serves what a client
//! needs before it has a token: the cloud's metadata and the token service (OpenID
//! discovery and the token endpoint under `/{tenant}/...`, as Entra ID does).

/// The resource provider of every managed cluster path.
pub(super) const CONTAINER_SERVICE: &str = "Microsoft.ContainerService";

/// What a path names, before the method or the subscription are checked.
#[derive(Debug, Clone, Copy)]
pub(super) enum Route<'a> {
    ListSubscriptions,
    Graph,
    Subscription {
        sub: &'a str,
        target: Target<'a>,
    },
    /// `GET /metadata/endpoints`: the cloud's endpoints, for `az cloud register`.
    Metadata,
    /// `GET /{tenant}[/v2.0]/.well-known/openid-configuration`.
    OpenIdConfiguration {
        tenant: &'a str,
        v2: bool,
    },
    /// `POST /{tenant}/oauth2/v2.0/token`.
    Token {
        tenant: &'a str,
    },
    /// `POST /admin/mutate`: a change behind the clients' backs (`--admin` only).
    AdminMutate,
    Unknown,
}

impl Route<'_> {
    /// Whether the request needs no bearer token: how a client gets one.
    pub(super) fn is_public(&self) -> bool {
        matches!(
            self,
            Route::Metadata | Route::OpenIdConfiguration { .. } | Route::Token { .. }
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'a> {
    Itself,
    Clusters {
        rg: Option<&'a str>,
    },
    Cluster {
        rg: &'a str,
        name: &'a str,
    },
    PoolUpgradeProfile {
        rg: &'a str,
        name: &'a str,
        pool: &'a str,
        profile: &'a str,
    },
    ClusterUpgradeProfile {
        rg: &'a str,
        name: &'a str,
        profile: &'a str,
    },
    AgentPools {
        rg: &'a str,
        name: &'a str,
    },
    AgentPool {
        rg: &'a str,
        name: &'a str,
        pool: &'a str,
    },
    MaintenanceConfigurations {
        rg: &'a str,
        name: &'a str,
    },
    MaintenanceConfiguration {
        rg: &'a str,
        name: &'a str,
        config: &'a str,
    },
    KubernetesVersions {
        location: &'a str,
    },
    OperationStatus {
        location: &'a str,
        id: &'a str,
    },
    Unknown,
}

pub(super) fn ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

pub(super) fn classify<'a>(segments: &[&'a str]) -> Route<'a> {
    match segments {
        [s] if ci(s, "subscriptions") => Route::ListSubscriptions,
        [p, ns, r] if ci(p, "providers") && ci(ns, "Microsoft.ResourceGraph") && ci(r, "resources") => Route::Graph,
        [s, sub, rest @ ..] if ci(s, "subscriptions") => Route::Subscription {
            sub,
            target: classify_in_subscription(rest),
        },
        [m, e] if ci(m, "metadata") && ci(e, "endpoints") => Route::Metadata,
        [a, m] if ci(a, "admin") && ci(m, "mutate") => Route::AdminMutate,
        [tenant, v, w, o] if ci(v, "v2.0") && ci(w, ".well-known") && ci(o, "openid-configuration") => {
            Route::OpenIdConfiguration { tenant, v2: true }
        }
        [tenant, w, o] if ci(w, ".well-known") && ci(o, "openid-configuration") => {
            Route::OpenIdConfiguration { tenant, v2: false }
        }
        [tenant, o, v, t] if ci(o, "oauth2") && ci(v, "v2.0") && ci(t, "token") => Route::Token { tenant },
        _ => Route::Unknown,
    }
}

pub(super) fn classify_in_subscription<'a>(rest: &[&'a str]) -> Target<'a> {
    let provider = |p: &str, ns: &str| ci(p, "providers") && ci(ns, CONTAINER_SERVICE);
    match rest {
        [] => Target::Itself,
        [p, ns, t] if provider(p, ns) && ci(t, "managedClusters") => Target::Clusters { rg: None },
        [p, ns, l, location, k] if provider(p, ns) && ci(l, "locations") && ci(k, "kubernetesVersions") => {
            Target::KubernetesVersions { location }
        }
        [p, ns, l, location, o, id] if provider(p, ns) && ci(l, "locations") && ci(o, "operationStatuses") => {
            Target::OperationStatus { location, id }
        }
        [g, rg, p, ns, t, tail @ ..] if ci(g, "resourceGroups") && provider(p, ns) && ci(t, "managedClusters") => {
            match tail {
                [] => Target::Clusters { rg: Some(rg) },
                [name] => Target::Cluster { rg, name },
                [name, u, profile] if ci(u, "upgradeProfiles") => Target::ClusterUpgradeProfile { rg, name, profile },
                [name, a] if ci(a, "agentPools") => Target::AgentPools { rg, name },
                [name, a, pool] if ci(a, "agentPools") => Target::AgentPool { rg, name, pool },
                [name, a, pool, u, profile] if ci(a, "agentPools") && ci(u, "upgradeProfiles") => {
                    Target::PoolUpgradeProfile {
                        rg,
                        name,
                        pool,
                        profile,
                    }
                }
                [name, m] if ci(m, "maintenanceConfigurations") => Target::MaintenanceConfigurations { rg, name },
                [name, m, config] if ci(m, "maintenanceConfigurations") => {
                    Target::MaintenanceConfiguration { rg, name, config }
                }
                _ => Target::Unknown,
            }
        }
        _ => Target::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(path: &str) -> String {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        format!("{:?}", classify(&segments))
    }

    #[test]
    fn paths_name_what_arm_and_the_token_service_serve() {
        let cluster = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c";
        let cases = [
            ("/subscriptions", "ListSubscriptions"),
            ("/providers/Microsoft.ResourceGraph/resources", "Graph"),
            (cluster, "Cluster { rg: \"rg\", name: \"c\" }"),
            (&format!("{cluster}/agentPools"), "AgentPools {"),
            (
                &format!("{cluster}/AGENTPOOLS/np1"),
                "AgentPool { rg: \"rg\", name: \"c\", pool: \"np1\" }",
            ),
            (&format!("{cluster}/upgradeProfiles/default"), "ClusterUpgradeProfile {"),
            (
                &format!("{cluster}/agentPools/np1/upgradeProfiles/default"),
                "PoolUpgradeProfile {",
            ),
            (
                &format!("{cluster}/maintenanceConfigurations/default"),
                "MaintenanceConfiguration {",
            ),
            (
                "/subscriptions/s/providers/Microsoft.ContainerService/locations/westeurope/operationStatuses/op-1",
                "OperationStatus { location: \"westeurope\", id: \"op-1\" }",
            ),
            ("/metadata/endpoints", "Metadata"),
            (
                "/t1/v2.0/.well-known/openid-configuration",
                "OpenIdConfiguration { tenant: \"t1\", v2: true }",
            ),
            (
                "/t1/.well-known/openid-configuration",
                "OpenIdConfiguration { tenant: \"t1\", v2: false }",
            ),
            ("/t1/oauth2/v2.0/token", "Token { tenant: \"t1\" }"),
            ("/t1/oauth2/token", "Unknown"),
            ("/admin/mutate", "AdminMutate"),
            (&format!("{cluster}/agentPools/np1/machines"), "target: Unknown"),
        ];
        for (path, want) in cases {
            let got = route(path);
            assert!(got.contains(want), "{path}: {got}");
        }
    }
}
