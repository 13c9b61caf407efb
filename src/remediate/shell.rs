//! POSIX shell quoting, for the `cli` and `policy` scripts.
//!
//! Every value that came from outside goes through `quote`, so it reaches `az` as one
//! argument, exactly as written, whatever it contains.

use std::borrow::Cow;

use crate::model::Cluster;

/// Quotes a value for a POSIX shell: unchanged when every character is one a shell
/// never treats specially, otherwise inside single quotes, where only `'` itself needs
/// care (it ends the quotes, is escaped, and the quotes start again: `'\''`).
pub fn quote(value: &str) -> Cow<'_, str> {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b);
    if !value.is_empty() && value.bytes().all(safe) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("'{}'", value.replace('\'', r"'\''")))
    }
}

/// Why `az` cannot be given this cluster's values safely, if it cannot, as
/// "its FIELD VALUE-PROBLEM". Quoting keeps a value whole, but `az` reads an argument
/// starting with `@` as a file to load and one starting with `-` as an option; an
/// empty value (a template resource has no subscription) names nothing; and control
/// characters never occur in real Azure names, while they could drive a terminal
/// that shows the script.
pub fn az_unsafe_field(cluster: &Cluster, extra: &[&str]) -> Option<String> {
    let fields = [
        ("subscription id", cluster.subscription_id.as_str()),
        ("resource group", cluster.resource_group.as_str()),
        ("name", cluster.name.as_str()),
    ];
    fields
        .iter()
        .find_map(|(what, v)| az_unsafe(v).map(|why| format!("{what} {why}")))
        .or_else(|| {
            extra
                .iter()
                .find_map(|v| az_unsafe(v).map(|why| format!("pool name {why}")))
        })
}

/// Why `az` must not be given this value, if so.
pub fn az_unsafe(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("is not known")
    } else if value.starts_with('@') || value.starts_with('-') {
        Some("starts with '@' or '-', which az would read as a file or an option")
    } else if value.chars().any(char::is_control) {
        Some("contains control characters, which no Azure name has")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_only_when_a_shell_would_change_them() {
        let cases = [
            ("", "''"),
            ("aks-prod-1", "aks-prod-1"),
            ("team(prod).eu", "'team(prod).eu'"),
            ("/subscriptions/0000", "/subscriptions/0000"),
            ("+00:00", "+00:00"),
            ("a b", "'a b'"),
            ("O'Brien", r"'O'\''Brien'"),
            ("''", r"''\'''\'''"),
            ("$HOME", "'$HOME'"),
            ("$(rm -rf /)", "'$(rm -rf /)'"),
            ("`id`", "'`id`'"),
            ("a\nb", "'a\nb'"),
            ("tab\there", "'tab\there'"),
            ("*", "'*'"),
            ("~root", "'~root'"),
            ("a;b&c|d", "'a;b&c|d'"),
            ("back\\slash", "'back\\slash'"),
            ("\"double\"", "'\"double\"'"),
            ("{\"k\":1}", "'{\"k\":1}'"),
            ("ünï", "'ünï'"),
            ("!", "'!'"),
            ("#x", "'#x'"),
        ];
        for (value, want) in cases {
            assert_eq!(quote(value), want, "{value:?}");
        }
    }

    #[test]
    fn values_az_would_read_as_a_file_or_an_option_are_refused() {
        let ok = Cluster {
            name: "aks".into(),
            subscription_id: "s".into(),
            resource_group: "rg".into(),
            ..Default::default()
        };
        assert_eq!(az_unsafe_field(&ok, &["pool1"]), None);
        let file = Cluster {
            resource_group: "@/etc/passwd".into(),
            ..ok.clone()
        };
        assert_eq!(
            az_unsafe_field(&file, &[]).as_deref(),
            Some("resource group starts with '@' or '-', which az would read as a file or an option")
        );
        let option = Cluster {
            name: "--debug".into(),
            ..ok.clone()
        };
        assert!(az_unsafe_field(&option, &[]).unwrap().starts_with("name starts with"));
        assert!(
            az_unsafe_field(&ok, &["-x"])
                .unwrap()
                .starts_with("pool name starts with")
        );
        let template = Cluster {
            subscription_id: String::new().into(),
            ..ok.clone()
        };
        assert_eq!(
            az_unsafe_field(&template, &[]).as_deref(),
            Some("subscription id is not known")
        );
        let hostile = Cluster {
            name: "evil\u{1b}[2J".into(),
            ..ok.clone()
        };
        assert!(az_unsafe_field(&hostile, &[]).unwrap().contains("control characters"));
    }
}
