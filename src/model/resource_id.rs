//! Azure resource ids, read ignoring case (`resourcegroups` and `resourceGroups` both occur).

/// The parts of a resource id that aksradar needs; borrowed from the id string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResourceId<'a> {
    pub subscription_id: Option<&'a str>,
    pub resource_group: Option<&'a str>,
    /// The last segment: the resource's own name.
    pub name: Option<&'a str>,
}

impl<'a> ResourceId<'a> {
    pub fn parse(id: &'a str) -> ResourceId<'a> {
        let mut out = ResourceId::default();
        let segments: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
        let mut i = 0;
        while i + 1 < segments.len() {
            let key = segments[i];
            if key.eq_ignore_ascii_case("subscriptions") && out.subscription_id.is_none() {
                out.subscription_id = Some(segments[i + 1]);
            } else if key.eq_ignore_ascii_case("resourcegroups") && out.resource_group.is_none() {
                out.resource_group = Some(segments[i + 1]);
            }
            i += 1;
        }
        if segments.len() >= 2 {
            out.name = segments.last().copied();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_and_group_come_from_the_id_in_any_casing() {
        let id = "/subscriptions/0000-1/resourcegroups/team(prod).eu/providers/Microsoft.ContainerService/managedClusters/aks-1";
        let parsed = ResourceId::parse(id);
        assert_eq!(parsed.subscription_id, Some("0000-1"));
        assert_eq!(parsed.resource_group, Some("team(prod).eu"));
        assert_eq!(parsed.name, Some("aks-1"));
        let upper = ResourceId::parse("/SUBSCRIPTIONS/abc/ResourceGroups/rg/providers/x/y/z");
        assert_eq!(upper.subscription_id, Some("abc"));
        assert_eq!(upper.resource_group, Some("rg"));
    }

    #[test]
    fn ids_without_the_parts_give_none() {
        assert_eq!(ResourceId::parse(""), ResourceId::default());
        assert_eq!(ResourceId::parse("/subscriptions").subscription_id, None);
        assert_eq!(ResourceId::parse("aks-1").name, None);
    }
}
