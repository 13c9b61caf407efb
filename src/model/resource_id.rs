//! Azure resource ids, read ignoring case (`resourcegroups` and `resourceGroups` both
//! occur), and read strictly: an id that does not have the documented form is an
//! error that says what is wrong, never a guess at which part is which.

use std::fmt;

/// The parts of a resource id that aksradar needs; borrowed from the id string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResourceId<'a> {
    pub subscription_id: Option<&'a str>,
    pub resource_group: Option<&'a str>,
    /// The resource's own name: the last segment after `providers/...`, if there is one.
    pub name: Option<&'a str>,
}

/// Why an id is not a resource id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError(pub String);

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A part of an id as an error quotes it: at most 80 characters.
fn clip(part: &str) -> String {
    match part.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &part[..end]),
        None => part.to_string(),
    }
}

fn keyword(segment: &str, word: &str) -> bool {
    segment.eq_ignore_ascii_case(word)
}

impl<'a> ResourceId<'a> {
    /// Reads `/subscriptions/{id}[/resourceGroups/{name}][/providers/{namespace}/{type}/{name}[/{type}/{name}]...]`.
    /// Every part named by a keyword must be present and non-empty.
    pub fn parse(id: &'a str) -> Result<ResourceId<'a>, IdError> {
        let fail = |why: &str| Err(IdError(why.to_string()));
        // One pass over the segments, no allocation: importers call this per cluster.
        let mut segments = match id.strip_prefix('/') {
            Some(rest) => rest.split('/'),
            None => return fail("it does not start with `/subscriptions/`"),
        };
        if !segments.next().is_some_and(|s| keyword(s, "subscriptions")) {
            return fail("it does not start with `/subscriptions/`");
        }
        let mut out = ResourceId::default();
        match segments.next() {
            Some(s) if !s.is_empty() => out.subscription_id = Some(s),
            _ => return fail("it has no subscription id after `/subscriptions/`"),
        }
        let mut next = segments.next();
        if next.is_some_and(|s| keyword(s, "resourceGroups")) {
            match segments.next() {
                Some(s) if !s.is_empty() => out.resource_group = Some(s),
                _ => return fail("it has no resource group name after `/resourceGroups/`"),
            }
            next = segments.next();
        }
        let Some(next) = next else {
            return Ok(out);
        };
        if !keyword(next, "providers") {
            return Err(IdError(format!(
                "`{}` stands where `resourceGroups` or `providers` belongs",
                clip(next)
            )));
        }
        let (mut count, mut empty, mut last) = (0usize, false, None);
        for segment in segments {
            count += 1;
            empty |= segment.is_empty();
            last = Some(segment);
        }
        if count < 3 || count.is_multiple_of(2) {
            return fail("it has no `{namespace}/{type}/{name}` after `/providers/`");
        }
        if empty {
            return fail("it has an empty part (`//`, or a `/` at the end) after `/providers/`");
        }
        out.name = last;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_and_group_come_from_the_id_in_any_casing() {
        let id = "/subscriptions/0000-1/resourcegroups/team(prod).eu/providers/Microsoft.ContainerService/managedClusters/aks-1";
        let parsed = ResourceId::parse(id).unwrap();
        assert_eq!(parsed.subscription_id, Some("0000-1"));
        assert_eq!(parsed.resource_group, Some("team(prod).eu"));
        assert_eq!(parsed.name, Some("aks-1"));
        let upper = ResourceId::parse("/SUBSCRIPTIONS/abc/ResourceGroups/rg/PROVIDERS/x/y/z").unwrap();
        assert_eq!(upper.subscription_id, Some("abc"));
        assert_eq!(upper.resource_group, Some("rg"));
        assert_eq!(upper.name, Some("z"));
        let child = ResourceId::parse("/subscriptions/s/resourceGroups/g/providers/ns/a/b/c/d").unwrap();
        assert_eq!(child.name, Some("d"));
        let subscription = ResourceId::parse("/subscriptions/s").unwrap();
        assert_eq!((subscription.subscription_id, subscription.name), (Some("s"), None));
    }

    #[test]
    fn ids_that_do_not_read_are_errors_that_say_why_never_guesses() {
        let cases = [
            (
                "/subscriptions//resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x",
                "no subscription id",
            ),
            ("/subscriptions", "no subscription id"),
            ("/subscriptions/", "no subscription id"),
            ("", "does not start with `/subscriptions/`"),
            ("aks-1", "does not start with `/subscriptions/`"),
            (
                "subscriptions/s/resourceGroups/g",
                "does not start with `/subscriptions/`",
            ),
            ("//subscriptions/s", "does not start with `/subscriptions/`"),
            (
                "/subscriptions/s/resourceGroups//providers/Microsoft.ContainerService/managedClusters/x",
                "no resource group name",
            ),
            (
                "/subscriptions/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x",
                "`rg` stands where",
            ),
            (
                "/subscriptions/s/resourceGroups/g/providers/ns/type",
                "no `{namespace}/{type}/{name}`",
            ),
            ("/subscriptions/s/resourceGroups/g/providers/ns/type/", "an empty part"),
            ("/subscriptions/s/resourceGroups/g/providers/ns//name", "an empty part"),
            ("/subscriptions/s/resourceGroups/g/extra", "`extra` stands where"),
        ];
        for (id, why) in cases {
            let err = ResourceId::parse(id).expect_err(id);
            assert!(err.to_string().contains(why), "{id}: {err}");
        }
    }
}
