//! How aksradar reaches Azure, as config and flags choose it: the cloud (where ARM
//! lives and which token scope it accepts), the way to sign in, where clusters are
//! listed from, and the rule for where a bearer token may be sent.
//!
//! Plain settings with no I/O; `azure` turns them into credentials and a client.

use serde::Deserialize;

/// How aksradar signs in (`auth` in config, `--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// The first that is set up: a service principal in the environment, workload
    /// identity, managed identity, then the Azure CLI's login.
    #[default]
    Auto,
    /// The Azure CLI's login (`az login`).
    Cli,
    /// A service principal: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
    Env,
    /// Workload identity: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE.
    WorkloadIdentity,
    /// The managed identity of the VM, App Service or container (AZURE_CLIENT_ID picks a user-assigned one).
    ManagedIdentity,
    /// A bearer token from AKSRADAR_TOKEN, used as is.
    Token,
}

/// Where clusters are listed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// ARM, one subscription at a time (several at once).
    #[default]
    Arm,
    /// Azure Resource Graph: one paged query per 1000 subscriptions.
    Graph,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Azure public cloud (management.azure.com).
    #[default]
    Public,
    /// Azure US Government (management.usgovcloudapi.net).
    UsGovernment,
    /// Azure operated by 21Vianet in China (management.chinacloudapi.cn).
    China,
}

impl Cloud {
    /// The Resource Manager endpoint; Resource Graph is served from the same host.
    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net",
            Cloud::China => "https://management.chinacloudapi.cn",
        }
    }

    /// The scope a token for Resource Manager is requested with.
    pub fn scope(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com/.default",
            Cloud::UsGovernment => "https://management.usgovcloudapi.net/.default",
            Cloud::China => "https://management.chinacloudapi.cn/.default",
        }
    }

    /// The Azure portal, for links to a resource.
    pub fn portal(self) -> &'static str {
        match self {
            Cloud::Public => "https://portal.azure.com",
            Cloud::UsGovernment => "https://portal.azure.us",
            Cloud::China => "https://portal.azure.cn",
        }
    }
}

/// Whether a bearer token may be sent to this URL: always over https, and over plain
/// http only to a loopback address (the simulator, a local proxy).
pub fn token_may_go_to(url: &reqwest::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => url.host_str().is_some_and(|host| {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }),
        _ => false,
    }
}

/// What is wrong with an endpoint given in config or on the command line, or `None`
/// when a bearer token may be sent to it. A user name or password in it is refused (a
/// token is the only credential aksradar sends, and a password in the URL would be
/// echoed in error reports and stored with the snapshot); the message never repeats it.
pub fn endpoint_problem(raw: &str) -> Option<String> {
    let url = match reqwest::Url::parse(raw) {
        Ok(url) => url,
        Err(e) => return Some(format!("`{}` is not a URL ({e})", crate::text::clean(raw))),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Some(format!(
            "`{}` carries a user name or password (`user:password@`); remove it: aksradar signs in with a bearer token only",
            without_userinfo(&url)
        ));
    }
    if !token_may_go_to(&url) {
        return Some(format!(
            "refusing to send a bearer token over plain http to `{url}`: use https, or http only to a loopback address"
        ));
    }
    None
}

/// The URL with any user name and password taken out, for messages and reports.
pub fn without_userinfo(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    // Only URLs that cannot have userinfo (`data:`, `mailto:`) refuse these, and they have none to remove.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_with_a_user_name_or_password_are_refused_without_repeating_it() {
        for raw in [
            "http://user:hunter2@127.0.0.1:8080",
            "https://user:hunter2@management.azure.com",
            "https://hunter2@management.azure.com/",
            "https://:hunter2@management.azure.com/",
        ] {
            let problem = endpoint_problem(raw).unwrap_or_else(|| panic!("{raw} accepted"));
            assert!(problem.contains("user name or password"), "{raw}: {problem}");
            assert!(!problem.contains("hunter2"), "{raw}: {problem}");
        }
        assert_eq!(endpoint_problem("https://management.azure.com"), None);
        assert_eq!(endpoint_problem("http://127.0.0.1:8080"), None);
        assert!(endpoint_problem("http://management.azure.com").is_some_and(|p| p.contains("plain http")));
        assert!(endpoint_problem("not a url").is_some_and(|p| p.contains("is not a URL")));
    }

    #[test]
    fn tokens_go_over_https_or_to_loopback_only() {
        let cases = [
            ("https://management.azure.com", true),
            ("http://127.0.0.1:8080", true),
            ("http://127.9.9.9", true),
            ("http://localhost:3000", true),
            ("http://[::1]:80", true),
            ("http://management.azure.com", false),
            ("http://10.0.0.1", false),
            ("http://192.168.1.1", false),
            ("http://localhost.evil.example", false),
            ("ftp://127.0.0.1", false),
        ];
        for (url, want) in cases {
            assert_eq!(token_may_go_to(&reqwest::Url::parse(url).unwrap()), want, "{url}");
        }
    }

    #[test]
    fn each_cloud_has_its_own_endpoint_and_scope() {
        assert_eq!(
            Cloud::UsGovernment.scope(),
            "https://management.usgovcloudapi.net/.default"
        );
        assert_eq!(Cloud::China.arm_endpoint(), "https://management.chinacloudapi.cn");
        assert!(Cloud::Public.scope().starts_with(Cloud::Public.arm_endpoint()));
    }
}
