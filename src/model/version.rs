//! Kubernetes versions, ordered as versions, not as strings.
//!
//! Follows PSRule's semantic-version reading: `1.33.10 > 1.33.7`, a missing part
//! counts as zero (`1.33 < 1.33.7`), a leading `v` is allowed, and a pre-release
//! (`1.34.0-preview`) never satisfies a minimum that has none.

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// The text after `-`, if any.
    pub pre: Option<String>,
}

impl Version {
    /// Reads `MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]`; `None` when it is not a version.
    pub fn parse(raw: &str) -> Option<Version> {
        let raw = raw.trim();
        let raw = raw.strip_prefix(['v', 'V']).unwrap_or(raw);
        let raw = raw.split_once('+').map_or(raw, |(core, _build)| core);
        let (core, pre) = match raw.split_once('-') {
            Some((core, pre)) if !pre.is_empty() => (core, Some(pre.to_string())),
            Some(_) => return None,
            None => (raw, None),
        };
        let mut parts = core.split('.');
        let mut next = |required: bool| -> Option<u64> {
            match parts.next() {
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok(),
                Some(_) => None,
                None if required => None,
                None => Some(0),
            }
        };
        let major = next(true)?;
        let minor = next(false)?;
        let patch = next(false)?;
        if parts.next().is_some() {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// `major.minor`, the unit AKS supports versions in.
    pub fn minor_key(&self) -> (u64, u64) {
        (self.major, self.minor)
    }

    /// Whether this version satisfies `>= minimum` under semantic-version constraint
    /// rules: a pre-release only satisfies a minimum with a pre-release on the same core.
    pub fn satisfies_minimum(&self, minimum: &Version) -> bool {
        if self.pre.is_some() {
            let same_core = self.core() == minimum.core();
            return same_core && minimum.pre.is_some() && self >= minimum;
        }
        self >= minimum
    }

    fn core(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core()
            .cmp(&other.core())
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => compare_pre(a, b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Semver precedence of pre-release identifiers: numeric ones numerically and below
/// alphanumeric ones, a shorter list below a longer one that it prefixes.
fn compare_pre(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn versions_order_as_versions_not_strings() {
        assert!(v("1.33.10") > v("1.33.7"));
        assert!(v("1.33") < v("1.33.7"));
        assert!(v("1.9.6") < v("1.13.8"));
        assert!(v("2") > v("1.99.99"));
        assert_eq!(v("v1.33.7"), v("1.33.7"));
        assert_eq!(v("1.33.7+build.5"), v("1.33.7"));
        assert!(v("1.34.0-preview") < v("1.34.0"));
        assert!(v("1.34.0-alpha.2") < v("1.34.0-alpha.10"));
        assert!(v("1.34.0-alpha") < v("1.34.0-beta"));
    }

    #[test]
    fn a_minimum_is_met_by_equal_or_newer_stable_versions_only() {
        let min = v("1.33.7");
        let cases = [
            ("1.33.7", true),
            ("1.33.8", true),
            ("1.34", true),
            ("1.33.6", false),
            ("1.33", false),
            ("1.34.0-preview", false),
            ("1.33.7-rc.1", false),
            ("9.99.9", true),
        ];
        for (version, want) in cases {
            assert_eq!(v(version).satisfies_minimum(&min), want, "{version}");
        }
        assert!(v("1.34.0-rc.2").satisfies_minimum(&v("1.34.0-rc.1")));
    }

    #[test]
    fn text_that_is_not_a_version_is_refused() {
        for bad in ["", "latest", "1..2", "1.2.3.4", "1.x", "-1", "1.2-", "１.2"] {
            assert_eq!(Version::parse(bad), None, "{bad:?}");
        }
    }
}
