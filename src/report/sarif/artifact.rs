//! Where a result points. A cluster read from a file: the file, by its path as given
//! (relative to `%SRCROOT%`, the folder aksradar ran in; an absolute path as a `file:`
//! URI), and the line and column of the `{` that opens the resource. Live data: no
//! file, so the artifact is the resource id as a relative URI under `AZURE_RESOURCES`,
//! a base described in the run as live Azure resources.
//!
//! Every URI is built segment by segment, percent-encoded, so no path or id can turn
//! into another scheme or host, and a resource id cannot climb out of its base.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::Text;
use crate::model::{Assessed, Cluster, SourceLocation};

/// The base of file paths: the folder aksradar ran in (the repository root in CI).
pub(super) const SOURCE_ROOT: &str = "%SRCROOT%";
/// The base of live resources' artifact URIs, which are resource ids, not files.
pub(super) const AZURE_RESOURCES: &str = "AZURE_RESOURCES";

/// The URI bases the results use, with what each stands for.
pub(super) struct Bases {
    files: bool,
    live: bool,
}

impl Bases {
    pub(super) fn used_by(assessed: &[Assessed]) -> Bases {
        let mut bases = Bases {
            files: false,
            live: false,
        };
        for item in assessed.iter().filter(|item| item.failing().next().is_some()) {
            match &item.cluster.source {
                Some(source) if !is_absolute(&source.file) => bases.files = true,
                Some(_) => {}
                None => bases.live = true,
            }
        }
        bases
    }

    pub(super) fn is_empty(&self) -> bool {
        !self.files && !self.live
    }
}

impl Serialize for Bases {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Base {
            description: Text<&'static str>,
        }
        let mut map = serializer.serialize_map(None)?;
        if self.files {
            let text = "The folder aksradar ran in (the repository root, when run there): the paths of \
                        input files are relative to it, as given on the command line.";
            map.serialize_entry(
                SOURCE_ROOT,
                &Base {
                    description: Text { text },
                },
            )?;
        }
        if self.live {
            let text = "Live data, not a file: each artifact is an Azure resource, named by its Azure \
                        Resource Manager id relative to the cloud's management endpoint.";
            map.serialize_entry(
                AZURE_RESOURCES,
                &Base {
                    description: Text { text },
                },
            )?;
        }
        map.end()
    }
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactLocation {
    pub(super) uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) uri_base_id: Option<&'static str>,
}

/// The opening `{` of the resource: one character, start and end given in full.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// What a cluster's results point at.
#[derive(Clone)]
pub(super) struct Artifact {
    pub(super) location: ArtifactLocation,
    pub(super) region: Option<Region>,
}

impl Artifact {
    pub(super) fn of(cluster: &Cluster) -> Artifact {
        match &cluster.source {
            Some(source) => Artifact::file(source),
            None => Artifact {
                location: ArtifactLocation {
                    uri: resource_uri(&cluster.id, &cluster.name),
                    uri_base_id: Some(AZURE_RESOURCES),
                },
                region: None,
            },
        }
    }

    pub(super) fn file(source: &SourceLocation) -> Artifact {
        let location = if is_absolute(&source.file) {
            ArtifactLocation {
                uri: format!("file://{}", encode_path(&source.file, true)),
                uri_base_id: None,
            }
        } else {
            ArtifactLocation {
                uri: encode_path(&source.file, false),
                uri_base_id: Some(SOURCE_ROOT),
            }
        };
        // SARIF counts from 1; a zero would make the whole log invalid.
        let (line, column) = (source.line.max(1), source.column.max(1));
        Artifact {
            location,
            region: Some(Region {
                start_line: line,
                start_column: column,
                end_line: line,
                end_column: column + 1,
            }),
        }
    }
}

/// A file path is absolute when it starts at a root: `/` anywhere, and also a drive
/// (`C:\`) or a UNC share (`\\server`) on Windows.
fn is_absolute(file: &str) -> bool {
    std::path::Path::new(file).is_absolute()
        || file.starts_with('/')
        || (cfg!(windows) && (file.starts_with("\\\\") || file.get(1..3).is_some_and(|s| s == ":\\" || s == ":/")))
}

/// A file path as a URI path: each segment percent-encoded, `/` between them (`\` too
/// on Windows, where it separates). `.` segments go. A relative path stays relative (a
/// colon is encoded, or the first segment would read as a scheme); an absolute one
/// starts with `/`, and keeps a drive's colon (`/C:/x`).
fn encode_path(file: &str, absolute: bool) -> String {
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    let mut uri = String::with_capacity(file.len() + 8);
    for segment in file.split(separators).filter(|s| !s.is_empty() && *s != ".") {
        if absolute || !uri.is_empty() {
            uri.push('/');
        }
        let drive = absolute && uri.len() == 1 && segment.len() == 2 && segment.ends_with(':');
        encode_segment(&mut uri, segment, if drive { b":" } else { b"" });
    }
    if uri.is_empty() && absolute {
        uri.push('/');
    }
    uri
}

/// The resource id as a relative URI reference (RFC 3986 `relative-part`).
///
/// Leading slashes go, or `//` would start an authority and `/` would make it an
/// absolute path. Every byte outside `pchar` is percent-encoded, and so is `:` (a
/// colon in the first segment would read as a scheme) and `%` (ids are not
/// pre-encoded). `.` and `..` segments are encoded so a viewer cannot resolve them
/// out of the base. An empty id falls back to the cluster name.
pub(super) fn resource_uri(id: &str, name: &str) -> String {
    let mut source = id.trim_start_matches('/');
    if source.is_empty() {
        source = name.trim_start_matches('/');
    }
    let mut uri = String::with_capacity(source.len() + 8);
    for (i, segment) in source.split('/').enumerate() {
        if i > 0 {
            uri.push('/');
        }
        if segment == "." || segment == ".." {
            uri.push_str(&"%2E".repeat(segment.len()));
            continue;
        }
        encode_segment(&mut uri, segment, b"");
    }
    uri
}

/// Appends `segment`, every byte outside RFC 3986 `pchar` (less `:`, plus `also`)
/// percent-encoded.
fn encode_segment(uri: &mut String, segment: &str, also: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in segment.bytes() {
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&byte) || also.contains(&byte);
        if allowed {
            uri.push(char::from(byte));
        } else {
            uri.push('%');
            uri.push(char::from(HEX[usize::from(byte >> 4)]));
            uri.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_become_uris_as_given() {
        let cases = [
            ("main.json", "main.json", Some(SOURCE_ROOT)),
            ("./infra/./main.json", "infra/main.json", Some(SOURCE_ROOT)),
            ("infra//a b#c?.json", "infra/a%20b%23c%3F.json", Some(SOURCE_ROOT)),
            ("c:x.json", "c%3Ax.json", Some(SOURCE_ROOT)),
            ("../shared/ü.json", "../shared/%C3%BC.json", Some(SOURCE_ROOT)),
            ("/srv/repo/infra/main.json", "file:///srv/repo/infra/main.json", None),
            ("/srv/a:b/x y.json", "file:///srv/a%3Ab/x%20y.json", None),
        ];
        for (file, uri, base) in cases {
            let artifact = Artifact::file(&SourceLocation {
                file: file.into(),
                line: 1,
                column: 1,
            });
            assert_eq!(artifact.location.uri, uri, "{file}");
            assert_eq!(artifact.location.uri_base_id, base, "{file}");
        }
    }

    #[test]
    fn resource_ids_become_valid_relative_uri_references() {
        let cases = [
            (
                "/subscriptions/0000-1/resourceGroups/team(prod).eu/providers/Microsoft.ContainerService/managedClusters/aks-1",
                "subscriptions/0000-1/resourceGroups/team(prod).eu/providers/Microsoft.ContainerService/managedClusters/aks-1",
            ),
            ("//evil.example/x", "evil.example/x"),
            ("c:/x", "c%3A/x"),
            ("/a b/%20/ü", "a%20b/%2520/%C3%BC"),
            ("/a/../../etc/./passwd", "a/%2E%2E/%2E%2E/etc/%2E/passwd"),
            ("/x/red\x1b[31m,\"q\"#?", "x/red%1B%5B31m,%22q%22%23%3F"),
        ];
        for (id, want) in cases {
            assert_eq!(resource_uri(id, "name"), want, "{id:?}");
        }
        assert_eq!(resource_uri("", "aks-1"), "aks-1");
    }
}
