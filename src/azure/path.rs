//! Where a request may go: resource paths built from checked segments, never by
//! joining strings.
//!
//! Ids and names that arrive from the API (subscription ids, resource groups, cluster,
//! pool and region names, whole cluster ids) are checked before they become part of a
//! path: a subscription id is a GUID, a name is letters, digits and `-_.()`, and a
//! cluster id has exactly the shape of a managed cluster's. What passes is still
//! percent-encoded segment by segment, so nothing can add a segment, climb with `..`,
//! start a query or name another host.

use std::borrow::Cow;

/// Why an id or name from outside was not made into a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BadId {
    /// `InvalidSubscriptionId`, `InvalidResourceName` or `InvalidResourceId`.
    pub code: &'static str,
    pub message: String,
}

/// Untrusted text as a message may quote it: one line, no control characters, short.
pub(crate) fn quoted(value: &str) -> String {
    const MAX: usize = 80;
    let clean = crate::text::clean(value);
    let mut shown: String = clean.chars().take(MAX).collect();
    if clean.chars().nth(MAX).is_some() {
        shown.push('…');
    }
    shown
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hexadecimal digits in any case.
pub fn is_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A subscription id, which every path aksradar builds starts with.
pub fn subscription(id: &str) -> Result<&str, BadId> {
    if is_guid(id) {
        Ok(id)
    } else {
        Err(BadId {
            code: "InvalidSubscriptionId",
            message: format!(
                "`{}` is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000); it was not read",
                quoted(id)
            ),
        })
    }
}

/// A resource group, cluster, pool or region name: 1 to 260 letters, digits and
/// `-_.()`, and not `.` or `..`. Wider than any Azure naming rule, and nothing in it
/// can change the shape of a path.
pub fn name<'a>(what: &str, value: &'a str) -> Result<&'a str, BadId> {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')');
    let length = value.chars().count();
    if (1..=260).contains(&length) && value != "." && value != ".." && value.chars().all(allowed) {
        Ok(value)
    } else {
        Err(BadId {
            code: "InvalidResourceName",
            message: format!(
                "the {what} name `{}` is not a resource name Azure gives out; not sending it in a request",
                quoted(value)
            ),
        })
    }
}

/// The parts of a managed cluster's resource id, checked:
/// `/subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterRef<'a> {
    pub subscription: &'a str,
    pub resource_group: &'a str,
    pub name: &'a str,
}

impl<'a> ClusterRef<'a> {
    /// From the fields of a cluster read from the API.
    pub fn new(subscription_id: &'a str, resource_group: &'a str, cluster: &'a str) -> Result<Self, BadId> {
        Ok(ClusterRef {
            subscription: subscription(subscription_id)?,
            resource_group: name("resource group", resource_group)?,
            name: name("cluster", cluster)?,
        })
    }

    /// From a whole resource id, which must have exactly the managed cluster shape.
    pub fn parse(id: &'a str) -> Result<Self, BadId> {
        let bad = || BadId {
            code: "InvalidResourceId",
            message: format!(
                "`{}` is not a managed cluster's resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.ContainerService/managedClusters/…); not sending it in a request",
                quoted(id)
            ),
        };
        let parts: Vec<&str> = id.strip_prefix('/').ok_or_else(bad)?.split('/').collect();
        let [s, subscription_id, g, group, p, namespace, t, cluster] = parts.as_slice() else {
            return Err(bad());
        };
        let keywords = [
            (s, "subscriptions"),
            (g, "resourceGroups"),
            (p, "providers"),
            (namespace, "Microsoft.ContainerService"),
            (t, "managedClusters"),
        ];
        if !keywords.iter().all(|(got, want)| got.eq_ignore_ascii_case(want)) {
            return Err(bad());
        }
        ClusterRef::new(subscription_id, group, cluster).map_err(|_| bad())
    }

    /// The path segments of the cluster itself.
    pub fn segments(&self) -> [&'a str; 8] {
        [
            "subscriptions",
            self.subscription,
            "resourceGroups",
            self.resource_group,
            "providers",
            "Microsoft.ContainerService",
            "managedClusters",
            self.name,
        ]
    }
}

/// A path with a query, as segments and pairs; the client encodes both onto its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path<'a> {
    pub segments: Vec<Cow<'a, str>>,
    pub query: Vec<(&'static str, Cow<'a, str>)>,
}

impl<'a> Path<'a> {
    pub fn new(segments: impl IntoIterator<Item = &'a str>) -> Path<'a> {
        Path {
            segments: segments.into_iter().map(Cow::Borrowed).collect(),
            query: Vec::new(),
        }
    }

    pub fn then(mut self, segments: impl IntoIterator<Item = &'a str>) -> Path<'a> {
        self.segments.extend(segments.into_iter().map(Cow::Borrowed));
        self
    }

    pub fn api_version(mut self, version: &'static str) -> Path<'a> {
        self.query.push(("api-version", Cow::Borrowed(version)));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "6f1d3c2a-8b7e-4d5f-9a0b-1c2d3e4f5a6b";

    #[test]
    fn subscription_ids_are_guids_and_nothing_else() {
        assert!(subscription(SUB).is_ok());
        assert!(subscription(&SUB.to_ascii_uppercase()).is_ok());
        for bad in [
            "",
            "../../../providers/Evil",
            "a/b?c=d#e",
            "6f1d3c2a-8b7e-4d5f-9a0b-1c2d3e4f5a6",
            "6f1d3c2a-8b7e-4d5f-9a0b-1c2d3e4f5a6bb",
            "6f1d3c2a_8b7e-4d5f-9a0b-1c2d3e4f5a6b",
            "6f1d3c2a-8b7e-4d5f-9a0b-1c2d3e4f5a6g",
            "resourceGroups",
        ] {
            let err = subscription(bad).unwrap_err();
            assert_eq!(err.code, "InvalidSubscriptionId", "{bad}");
        }
    }

    #[test]
    fn names_keep_to_letters_digits_and_a_few_marks() {
        for good in ["rg-prod", "team(prod).eu", "aks_1", "nodepool1", "eastus", "grün"] {
            assert_eq!(name("resource group", good), Ok(good));
        }
        let long = "a".repeat(261);
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a?b",
            "a#b",
            "a%2Fb",
            "a b",
            "a\\b",
            "a\u{1b}[31m",
            &long,
        ] {
            let err = name("resource group", bad).unwrap_err();
            assert_eq!(err.code, "InvalidResourceName", "{bad:?}");
            assert!(!err.message.contains('\u{1b}'), "quoted clean: {err}");
        }
    }

    #[test]
    fn cluster_ids_must_have_exactly_the_managed_cluster_shape() {
        let id = format!(
            "/subscriptions/{SUB}/resourcegroups/rg-1/providers/Microsoft.ContainerService/managedClusters/aks-1"
        );
        let parsed = ClusterRef::parse(&id).unwrap();
        assert_eq!(
            (parsed.subscription, parsed.resource_group, parsed.name),
            (SUB, "rg-1", "aks-1")
        );
        let cases = [
            "//evil.example/subscriptions/x".to_string(),
            "https://evil.example/subscriptions/x".to_string(),
            format!("/subscriptions/{SUB}/resourceGroups/../providers/Microsoft.ContainerService/managedClusters/a"),
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/.."),
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a/b"),
            format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a"),
            format!(
                "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a?x=1"
            ),
            format!("subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a"),
            "/subscriptions//resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a".to_string(),
            String::new(),
        ];
        for id in &cases {
            assert!(ClusterRef::parse(id).is_err(), "{id}");
        }
    }

    #[test]
    fn quoted_text_is_one_clean_short_line() {
        let shown = quoted(&format!("a\nb\u{1b}{}", "x".repeat(500)));
        assert!(!shown.contains('\n') && !shown.contains('\u{1b}'));
        assert!(shown.chars().count() <= 81, "{shown}");
    }
}
