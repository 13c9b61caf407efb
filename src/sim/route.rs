//! Routing: what a request path names, before its method, its subscription or its
//! resources are checked. Segments are matched ignoring case, as ARM does.

/// The resource provider of every managed cluster path.
pub(super) const CONTAINER_SERVICE: &str = "Microsoft.ContainerService";

/// What a path names, before the method or the subscription are checked.
#[derive(Debug, Clone, Copy)]
pub(super) enum Route<'a> {
    ListSubscriptions,
    Graph,
    Subscription { sub: &'a str, target: Target<'a> },
    Unknown,
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
        [g, rg, p, ns, t, tail @ ..] if ci(g, "resourceGroups") && provider(p, ns) && ci(t, "managedClusters") => {
            match tail {
                [] => Target::Clusters { rg: Some(rg) },
                [name] => Target::Cluster { rg, name },
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
