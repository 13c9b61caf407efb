//! The two auto-upgrade channels, normalised from whatever casing the input used.
//!
//! ARM models both enums as free strings, so an unknown value is kept, not rejected.

use std::fmt;

/// `properties.autoUpgradeProfile.nodeOSUpgradeChannel`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeOsChannel {
    SecurityPatch,
    NodeImage,
    Unmanaged,
    None,
    /// The property is absent or empty: AKS calls this state "Unspecified".
    Unspecified,
    /// A value this version of aksradar does not know.
    Other(String),
}

impl NodeOsChannel {
    /// Every named state, in the order the summary shows them.
    pub const KNOWN: [NodeOsChannel; 5] = [
        NodeOsChannel::SecurityPatch,
        NodeOsChannel::NodeImage,
        NodeOsChannel::Unmanaged,
        NodeOsChannel::None,
        NodeOsChannel::Unspecified,
    ];

    pub fn parse(raw: Option<&str>) -> Self {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return NodeOsChannel::Unspecified;
        };
        match raw.to_ascii_lowercase().as_str() {
            "securitypatch" => NodeOsChannel::SecurityPatch,
            "nodeimage" => NodeOsChannel::NodeImage,
            "unmanaged" => NodeOsChannel::Unmanaged,
            "none" => NodeOsChannel::None,
            _ => NodeOsChannel::Other(raw.to_string()),
        }
    }

    /// The canonical spelling, as `az` and ARM accept it.
    pub fn as_str(&self) -> &str {
        match self {
            NodeOsChannel::SecurityPatch => "SecurityPatch",
            NodeOsChannel::NodeImage => "NodeImage",
            NodeOsChannel::Unmanaged => "Unmanaged",
            NodeOsChannel::None => "None",
            NodeOsChannel::Unspecified => "Unspecified",
            NodeOsChannel::Other(s) => s,
        }
    }

    /// The states counted in summaries and charts, in their order: the five named ones,
    /// then `Other` for values this version does not know.
    pub const SUMMARY: [&'static str; 6] = [
        "SecurityPatch",
        "NodeImage",
        "Unmanaged",
        "None",
        "Unspecified",
        "Other",
    ];

    /// This channel's place in `SUMMARY`.
    pub fn summary_slot(&self) -> usize {
        match self {
            NodeOsChannel::SecurityPatch => 0,
            NodeOsChannel::NodeImage => 1,
            NodeOsChannel::Unmanaged => 2,
            NodeOsChannel::None => 3,
            NodeOsChannel::Unspecified => 4,
            NodeOsChannel::Other(_) => 5,
        }
    }

    /// Whether nodes receive OS security patches without anyone acting (PSRule's test).
    pub fn patches_automatically(&self) -> bool {
        matches!(self, NodeOsChannel::SecurityPatch | NodeOsChannel::NodeImage)
    }
}

impl fmt::Display for NodeOsChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `properties.autoUpgradeProfile.upgradeChannel` (the cluster's Kubernetes channel).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UpgradeChannel {
    Rapid,
    Stable,
    Patch,
    NodeImage,
    None,
    /// Absent or empty; AKS treats it as `none`.
    Unspecified,
    Other(String),
}

impl UpgradeChannel {
    pub fn parse(raw: Option<&str>) -> Self {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return UpgradeChannel::Unspecified;
        };
        match raw.to_ascii_lowercase().as_str() {
            "rapid" => UpgradeChannel::Rapid,
            "stable" => UpgradeChannel::Stable,
            "patch" => UpgradeChannel::Patch,
            "node-image" => UpgradeChannel::NodeImage,
            "none" => UpgradeChannel::None,
            _ => UpgradeChannel::Other(raw.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            UpgradeChannel::Rapid => "rapid",
            UpgradeChannel::Stable => "stable",
            UpgradeChannel::Patch => "patch",
            UpgradeChannel::NodeImage => "node-image",
            UpgradeChannel::None => "none",
            // Capitalised like the node OS channel's absent state: one word for "not set".
            UpgradeChannel::Unspecified => "Unspecified",
            UpgradeChannel::Other(s) => s,
        }
    }
}

impl fmt::Display for UpgradeChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_os_channel_values_are_read_ignoring_case_and_blank_is_unspecified() {
        let cases = [
            (Some("SecurityPatch"), NodeOsChannel::SecurityPatch),
            (Some("securitypatch"), NodeOsChannel::SecurityPatch),
            (Some("NODEIMAGE"), NodeOsChannel::NodeImage),
            (Some("Unmanaged"), NodeOsChannel::Unmanaged),
            (Some("None"), NodeOsChannel::None),
            (Some(""), NodeOsChannel::Unspecified),
            (Some("  "), NodeOsChannel::Unspecified),
            (None, NodeOsChannel::Unspecified),
            (Some("Weekly"), NodeOsChannel::Other("Weekly".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(NodeOsChannel::parse(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn summary_slots_follow_the_summary_names() {
        for (slot, channel) in NodeOsChannel::KNOWN.iter().enumerate() {
            assert_eq!(channel.summary_slot(), slot);
            assert_eq!(NodeOsChannel::SUMMARY[slot], channel.as_str());
        }
        assert_eq!(NodeOsChannel::Other("Weekly".into()).summary_slot(), 5);
    }

    #[test]
    fn upgrade_channel_values_are_read_ignoring_case() {
        let cases = [
            (Some("rapid"), UpgradeChannel::Rapid),
            (Some("Stable"), UpgradeChannel::Stable),
            (Some("PATCH"), UpgradeChannel::Patch),
            (Some("node-image"), UpgradeChannel::NodeImage),
            (Some("none"), UpgradeChannel::None),
            (None, UpgradeChannel::Unspecified),
            (Some("nodeimage"), UpgradeChannel::Other("nodeimage".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(UpgradeChannel::parse(raw), want, "{raw:?}");
        }
    }
}
