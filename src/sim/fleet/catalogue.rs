//! The simulator's static catalogues: regions, teams and owners, the Kubernetes
//! minors clusters run and those each region lists, node image families and their
//! release calendars, and the channel states and their weights.
//!
//! Constants and pure functions of them only: nothing here draws a random number,
//! so changing how clusters are drawn never changes what a region offers.

use serde_json::{Map, Value, json};
use time::macros::date;
use time::{Date, Duration};

pub(super) struct Region {
    pub(super) name: &'static str,
    pub(super) short: &'static str,
    pub(super) utc_offset: &'static str,
}

pub(super) const REGIONS: &[Region] = &[
    Region {
        name: "westeurope",
        short: "weu",
        utc_offset: "+01:00",
    },
    Region {
        name: "northeurope",
        short: "neu",
        utc_offset: "+00:00",
    },
    Region {
        name: "eastus",
        short: "eus",
        utc_offset: "-05:00",
    },
    Region {
        name: "eastus2",
        short: "eus2",
        utc_offset: "-05:00",
    },
    Region {
        name: "centralus",
        short: "cus",
        utc_offset: "-06:00",
    },
    Region {
        name: "westus3",
        short: "wus3",
        utc_offset: "-07:00",
    },
    Region {
        name: "uksouth",
        short: "uks",
        utc_offset: "+00:00",
    },
    Region {
        name: "swedencentral",
        short: "sdc",
        utc_offset: "+01:00",
    },
    Region {
        name: "germanywestcentral",
        short: "gwc",
        utc_offset: "+01:00",
    },
    Region {
        name: "francecentral",
        short: "frc",
        utc_offset: "+01:00",
    },
    Region {
        name: "australiaeast",
        short: "aue",
        utc_offset: "+10:00",
    },
    Region {
        name: "japaneast",
        short: "jpe",
        utc_offset: "+09:00",
    },
    Region {
        name: "southeastasia",
        short: "sea",
        utc_offset: "+08:00",
    },
    Region {
        name: "canadacentral",
        short: "cac",
        utc_offset: "-05:00",
    },
];

pub(super) const UNITS: &[&str] = &[
    "Payments",
    "Search",
    "Identity",
    "Platform",
    "Data",
    "Checkout",
    "Mobile",
    "ML",
    "Logistics",
    "Risk",
];

pub(super) const OWNERS: &[&str] = &[
    "alex.kim",
    "priya.nair",
    "jonas.berg",
    "maria.lopez",
    "chen.wei",
    "sam.okafor",
];

/// A Kubernetes minor, the patches clusters may run, and how common it is in the fleet.
pub(super) struct Minor {
    pub(super) minor: (u32, u32),
    pub(super) patches: &'static [u32],
    pub(super) weight: u32,
}

/// 1.30 is listed nowhere any more and 1.31 only in some regions, so some clusters
/// run minors their region no longer supports. 1.33.7 (the default minimum) sits
/// in the middle, with patches on both sides.
pub(super) const MINORS: &[Minor] = &[
    Minor {
        minor: (1, 30),
        patches: &[10, 14],
        weight: 3,
    },
    Minor {
        minor: (1, 31),
        patches: &[9, 12, 13],
        weight: 6,
    },
    Minor {
        minor: (1, 32),
        patches: &[7, 9, 10],
        weight: 9,
    },
    Minor {
        minor: (1, 33),
        patches: &[2, 5, 7, 10],
        weight: 20,
    },
    Minor {
        minor: (1, 34),
        patches: &[1, 5, 6],
        weight: 28,
    },
    Minor {
        minor: (1, 35),
        patches: &[3, 5],
        weight: 24,
    },
    Minor {
        minor: (1, 36),
        patches: &[0, 2],
        weight: 10,
    },
];

/// The minors a region lists in kubernetesVersions, with support plans and flags.
struct Listing {
    minor: (u32, u32),
    patches: &'static [u32],
    plans: &'static [&'static str],
    is_default: bool,
    is_preview: bool,
}

const OFFICIAL: &[&str] = &["KubernetesOfficial", "AKSLongTermSupport"];
const LTS_ONLY: &[&str] = &["AKSLongTermSupport"];

fn listings(region: usize) -> Vec<Listing> {
    let mut out = Vec::new();
    // Regions retire LTS minors at different times: a third no longer list 1.31.
    if !region.is_multiple_of(3) {
        out.push(Listing {
            minor: (1, 31),
            patches: &[12, 13],
            plans: LTS_ONLY,
            is_default: false,
            is_preview: false,
        });
    }
    out.push(Listing {
        minor: (1, 32),
        patches: &[9, 10],
        plans: LTS_ONLY,
        is_default: false,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 33),
        patches: &[7, 10],
        plans: LTS_ONLY,
        is_default: false,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 34),
        patches: &[5, 6],
        plans: OFFICIAL,
        is_default: false,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 35),
        patches: &[3, 5],
        plans: OFFICIAL,
        is_default: true,
        is_preview: false,
    });
    out.push(Listing {
        minor: (1, 36),
        patches: &[0, 2],
        plans: OFFICIAL,
        is_default: false,
        is_preview: false,
    });
    // Previews roll out region by region.
    if region.is_multiple_of(2) {
        out.push(Listing {
            minor: (1, 37),
            patches: &[0],
            plans: &["KubernetesOfficial"],
            is_default: false,
            is_preview: true,
        });
    }
    out
}

pub(super) fn version_string((major, minor): (u32, u32), patch: u32) -> String {
    format!("{major}.{minor}.{patch}")
}

pub(super) fn kubernetes_versions_body(region: usize) -> Value {
    let listed = listings(region);
    let values: Vec<Value> = listed
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let next = listed.get(i + 1);
            let mut patch_versions = Map::new();
            for (j, &p) in l.patches.iter().enumerate() {
                let mut upgrades: Vec<String> =
                    l.patches[j + 1..].iter().map(|&q| version_string(l.minor, q)).collect();
                if let Some(n) = next {
                    upgrades.extend(n.patches.iter().map(|&q| version_string(n.minor, q)));
                }
                patch_versions.insert(version_string(l.minor, p), json!({ "upgrades": upgrades }));
            }
            let mut entry = Map::new();
            entry.insert("version".into(), json!(format!("{}.{}", l.minor.0, l.minor.1)));
            entry.insert("capabilities".into(), json!({ "supportPlan": l.plans }));
            entry.insert("patchVersions".into(), Value::Object(patch_versions));
            if l.is_default {
                entry.insert("isDefault".into(), json!(true));
            }
            if l.is_preview {
                entry.insert("isPreview".into(), json!(true));
            }
            Value::Object(entry)
        })
        .collect();
    json!({ "values": values })
}

/// A minor a region offers: its patches, oldest first, and whether it is a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub minor: (u32, u32),
    pub patches: &'static [u32],
    pub preview: bool,
}

/// The minors `region` offers, oldest first: what its kubernetesVersions body lists.
pub(super) fn offers(region: usize) -> Vec<Offer> {
    listings(region)
        .into_iter()
        .map(|l| Offer {
            minor: l.minor,
            patches: l.patches,
            preview: l.is_preview,
        })
        .collect()
}

/// The index of the region named `location` (`westeurope`, or `West Europe`).
pub(super) fn region_index(location: &str) -> Option<usize> {
    let wanted: String = location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    REGIONS.iter().position(|r| r.name == wanted)
}

/// Upgrades a pool or control plane on `current` may take in `region`: newer
/// patches of its minor and the patches of the next minor, as AKS offers them
/// (`upgrades` of an upgrade profile).
pub(super) fn available_upgrades(region: usize, current: (u32, u32, u32)) -> Vec<Value> {
    let mut out = Vec::new();
    for l in listings(region) {
        let same = l.minor == (current.0, current.1);
        let next = l.minor == (current.0, current.1 + 1);
        if !same && !next {
            continue;
        }
        for &p in l.patches {
            if same && p <= current.2 {
                continue;
            }
            let mut item = Map::new();
            item.insert("kubernetesVersion".into(), json!(version_string(l.minor, p)));
            if l.is_preview {
                item.insert("isPreview".into(), json!(true));
            }
            out.push(Value::Object(item));
        }
    }
    out
}

/// Node image families, each with its own name format and release calendar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ImageFamily {
    Ubuntu2204,
    Ubuntu2204Arm64,
    Ubuntu2404,
    AzureLinux3,
    Mariner2,
    Windows2022,
    Windows2025,
}

/// Linux images ship every two weeks up to the newest, 2026-11-10; older ones go back to December 2025.
pub(super) const LINUX_RELEASES: i64 = 25;
const LINUX_NEWEST: Date = date!(2026 - 11 - 10);
/// Windows images ship monthly, after Patch Tuesday.
const WINDOWS_RELEASES: i64 = 12;
const WINDOWS_NEWEST: Date = date!(2026 - 11 - 14);

impl ImageFamily {
    pub(super) fn is_windows(self) -> bool {
        matches!(self, ImageFamily::Windows2022 | ImageFamily::Windows2025)
    }

    /// How many releases the calendar holds.
    pub(super) fn releases(self) -> i64 {
        if self.is_windows() {
            WINDOWS_RELEASES
        } else {
            LINUX_RELEASES
        }
    }

    /// The release date of the image `age` releases before the newest.
    pub(super) fn release_date(self, age: i64) -> Date {
        let age = age.clamp(0, self.releases() - 1);
        if self.is_windows() {
            WINDOWS_NEWEST - Duration::days(30 * age)
        } else {
            LINUX_NEWEST - Duration::days(14 * age)
        }
    }

    /// The image name `age` releases before the newest, in AKS's format for this family.
    pub(super) fn version(self, age: i64) -> String {
        let age = age.clamp(0, self.releases() - 1);
        let d = self.release_date(age);
        let (y, m, day) = (d.year(), d.month() as u8, d.day());
        let linux = |prefix: &str| {
            // Every fifth release needed a hotfix build.
            let build = u8::from(age % 5 == 2);
            format!("{prefix}-{y:04}{m:02}.{day:02}.{build}")
        };
        let windows = |prefix: &str, build: u32, newest_revision: i64| {
            let revision = newest_revision - 61 * age;
            format!("{prefix}-{build}.{revision}.{:02}{m:02}{day:02}", y % 100)
        };
        match self {
            ImageFamily::Ubuntu2204 => linux("AKSUbuntu-2204gen2containerd"),
            ImageFamily::Ubuntu2204Arm64 => linux("AKSUbuntu-2204gen2arm64containerd"),
            ImageFamily::Ubuntu2404 => linux("AKSUbuntu-2404gen2containerd"),
            ImageFamily::AzureLinux3 => linux("AKSAzureLinux-V3gen2"),
            ImageFamily::Mariner2 => linux("AKSCBLMariner-V2gen2"),
            ImageFamily::Windows2022 => windows("AKSWindows-2022-containerd", 20348, 4968),
            ImageFamily::Windows2025 => windows("AKSWindows-2025-containerd", 26100, 4732),
        }
    }
}

/// (upgradeChannel, nodeOSUpgradeChannel) for the first clusters of the fleet, so
/// that every state appears however small the fleet: all channels, all node OS
/// states, a cluster without `autoUpgradeProfile`, and profiles with one key only.
pub(super) const COVERAGE: &[(Option<&str>, Option<&str>)] = &[
    (Some("patch"), Some("NodeImage")),
    (Some("none"), Some("Unmanaged")),
    (Some("stable"), Some("SecurityPatch")),
    (None, None),
    (Some("node-image"), Some("NodeImage")),
    (Some("rapid"), Some("None")),
    (Some("stable"), None),
    (None, Some("SecurityPatch")),
    (Some("none"), Some("None")),
    (Some("patch"), Some("Unmanaged")),
];

pub(super) const UPGRADE_CHANNELS: &[(Option<&str>, u32)] = &[
    (Some("patch"), 30),
    (Some("stable"), 18),
    (Some("rapid"), 5),
    (Some("node-image"), 8),
    (Some("none"), 14),
    (None, 25),
];

pub(super) const NODE_OS_CHANNELS: &[(Option<&str>, u32)] = &[
    (Some("NodeImage"), 35),
    (Some("SecurityPatch"), 20),
    (Some("Unmanaged"), 18),
    (Some("None"), 10),
    (None, 17),
];

pub(super) fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

pub(super) const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_images_use_the_real_formats() {
        assert_eq!(
            ImageFamily::Ubuntu2204.version(0),
            "AKSUbuntu-2204gen2containerd-202611.10.0"
        );
        assert_eq!(ImageFamily::AzureLinux3.version(3), "AKSAzureLinux-V3gen2-202609.29.0");
        let win = ImageFamily::Windows2022.version(1);
        assert!(win.starts_with("AKSWindows-2022-containerd-20348."), "{win}");
        assert!(win.ends_with(".261015"), "{win}");
    }
}
