//! Azure clouds: where ARM lives and which token scope it accepts.

use serde::Deserialize;

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

    pub(crate) fn configuration(self) -> azure_core::cloud::CloudConfiguration {
        match self {
            Cloud::Public => azure_core::cloud::CloudConfiguration::AzurePublic,
            Cloud::UsGovernment => azure_core::cloud::CloudConfiguration::AzureGovernment,
            Cloud::China => azure_core::cloud::CloudConfiguration::AzureChina,
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

#[cfg(test)]
mod tests {
    use super::*;

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
