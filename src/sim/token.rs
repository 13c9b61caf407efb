//! What a client needs before it has a token, served on the simulator's own origin:
//! the cloud's metadata (`GET /metadata/endpoints`, so `az cloud register` can
//! discover the cloud from its Resource Manager URL alone) and a stand-in for
//! Entra ID's token service (OpenID discovery and the client-credentials token
//! endpoint under `/{tenant}/...`, as MSAL and the Azure SDKs call them).
//!
//! The token service knows one tenant (the fleet's) and issues one token: the
//! simulator's `--token`, which ARM then accepts. Any client id with any secret or
//! assertion signs in; nothing here is a security boundary, which is why the
//! simulator listens on loopback only. Errors use Entra's shape
//! (`error`, `error_description` with an `AADSTS` code, `error_codes`).

use axum::body::Body;
use axum::http::{Method, StatusCode, Uri};
use serde_json::{Value, json};

use super::route::Route;
use super::wire::{Query, Reply};

/// Who issues tokens: the simulator's origin, the fleet's tenant, and the one token.
pub(super) struct Issuer<'a> {
    pub(super) base: &'a str,
    pub(super) tenant_id: &'a str,
    pub(super) token: &'a str,
}

/// Answers a public route (one that `Route::is_public` names).
pub(super) async fn answer(issuer: &Issuer<'_>, route: &Route<'_>, method: &Method, uri: &Uri, body: Body) -> Reply {
    let (base, tenant_id) = (issuer.base, issuer.tenant_id);
    match (*route, method) {
        (Route::Metadata, &Method::GET) => {
            let api_version = Query::parse(uri.query())
                .and_then(|q| q.get("api-version").map(str::to_string))
                .unwrap_or_default();
            Reply::ok(&metadata(base, &api_version))
        }
        (Route::OpenIdConfiguration { tenant, v2 }, &Method::GET) => match known_tenant(tenant, tenant_id) {
            Ok(()) => Reply::ok(&openid_configuration(base, tenant, v2)),
            Err(reply) => reply,
        },
        (Route::Token { tenant }, &Method::POST) => {
            if let Err(reply) = known_tenant(tenant, tenant_id) {
                return reply;
            }
            match axum::body::to_bytes(body, 64 << 10).await {
                Ok(bytes) => token(&bytes, issuer.token),
                Err(_) => entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900144,
                    "The request body could not be read (at most 64 KB).",
                ),
            }
        }
        (_, method) => Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("The requested resource does not support http method '{method}'."),
        ),
    }
}

/// The error shape of Entra ID's token service.
fn entra_error(status: StatusCode, error: &str, code: u32, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description}"),
            "error_codes": [code],
        }),
    )
}

fn known_tenant(tenant: &str, tenant_id: &str) -> Result<(), Reply> {
    if tenant.eq_ignore_ascii_case(tenant_id) {
        Ok(())
    } else {
        Err(entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. The simulator's tenant is '{tenant_id}' (GET /subscriptions lists it as \
                 tenantId; `aksradar simulate` prints it)."
            ),
        ))
    }
}

/// `/{tenant}[/v2.0]/.well-known/openid-configuration`.
fn openid_configuration(base: &str, tenant: &str, v2: bool) -> Value {
    let (prefix, issuer) = if v2 {
        (format!("{base}/{tenant}/oauth2/v2.0"), format!("{base}/{tenant}/v2.0"))
    } else {
        (format!("{base}/{tenant}/oauth2"), format!("{base}/{tenant}/"))
    };
    json!({
        "authorization_endpoint": format!("{prefix}/authorize"),
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "device_authorization_endpoint": format!("{prefix}/devicecode"),
        "end_session_endpoint": format!("{prefix}/logout"),
        "issuer": issuer,
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "tenant_region_scope": "WW",
        "cloud_instance_name": "aksradar.simulator",
    })
}

/// `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant, with a secret
/// or a client assertion.
fn token(body: &[u8], access_token: &str) -> Reply {
    let text = String::from_utf8_lossy(body);
    let Some(form) = Query::parse(Some(&text)) else {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body is not application/x-www-form-urlencoded.",
        );
    };
    let missing = |name: &str| {
        entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            &format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let Some(grant) = form.get("grant_type").filter(|g| !g.is_empty()) else {
        return missing("grant_type");
    };
    if grant != "client_credentials" {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{grant}'. The simulator's token service grants \
                 client_credentials only (a service principal's secret, or a federated client assertion)."
            ),
        );
    }
    if form.get("client_id").is_none_or(str::is_empty) {
        return missing("client_id");
    }
    let secret = form.get("client_secret").is_some_and(|s| !s.is_empty());
    let assertion = form.get("client_assertion").is_some_and(|s| !s.is_empty());
    if !secret && !assertion {
        return entra_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "The request body must contain 'client_secret' or 'client_assertion'.",
        );
    }
    if form.get("scope").is_none_or(str::is_empty) {
        return missing("scope");
    }
    Reply::ok(&json!({
        "token_type": "Bearer",
        "expires_in": 86399,
        "ext_expires_in": 86399,
        "access_token": access_token,
    }))
}

/// `/metadata/endpoints`: api-version 2019-05-01 lists clouds in an array, later
/// versions describe this one cloud.
fn metadata(base: &str, api_version: &str) -> Value {
    let cloud = json!({
        "name": "AksradarSimulator",
        "resourceManager": format!("{base}/"),
        "portal": format!("{base}/"),
        "authentication": {
            "loginEndpoint": format!("{base}/"),
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "graphAudience": "https://graph.windows.net/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "suffixes": {
            "acrLoginServer": "azurecr.io",
            "keyVaultDns": "vault.azure.net",
            "sqlServerHostname": "database.windows.net",
            "storage": "core.windows.net",
        },
    });
    if api_version.as_bytes() < b"2022".as_slice() && !api_version.is_empty() {
        Value::Array(vec![cloud])
    } else {
        cloud
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(reply: &Reply) -> Value {
        serde_json::from_slice(&reply.body).expect("JSON")
    }

    #[test]
    fn the_client_credentials_grant_returns_the_simulators_token() {
        let ok = token(
            b"client_id=app&client_secret=s3cret&grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default&client_info=1",
            "simulator",
        );
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(
            body(&ok),
            json!({ "token_type": "Bearer", "expires_in": 86399, "ext_expires_in": 86399, "access_token": "simulator" })
        );
        let federated = token(
            b"client_id=app&client_assertion=eyJ.x.y&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&grant_type=client_credentials&scope=s",
            "t",
        );
        assert_eq!(federated.status, StatusCode::OK);

        let cases: &[(&[u8], StatusCode, &str)] = &[
            (
                b"client_id=app&client_secret=s&scope=s",
                StatusCode::BAD_REQUEST,
                "'grant_type'",
            ),
            (
                b"grant_type=password&client_id=app&scope=s",
                StatusCode::BAD_REQUEST,
                "AADSTS70003",
            ),
            (
                b"grant_type=client_credentials&client_secret=s&scope=s",
                StatusCode::BAD_REQUEST,
                "'client_id'",
            ),
            (
                b"grant_type=client_credentials&client_id=a&scope=s",
                StatusCode::UNAUTHORIZED,
                "AADSTS7000215",
            ),
            (
                b"grant_type=client_credentials&client_id=a&client_secret=s",
                StatusCode::BAD_REQUEST,
                "'scope'",
            ),
            (b"grant_type=%zz", StatusCode::BAD_REQUEST, "AADSTS900144"),
        ];
        for (form, status, says) in cases {
            let reply = token(form, "t");
            assert_eq!(reply.status, *status, "{}", String::from_utf8_lossy(form));
            let description = body(&reply)["error_description"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(description.contains(says), "{description}");
        }
    }

    #[test]
    fn discovery_names_the_token_endpoint_on_the_same_origin() {
        let v2 = openid_configuration("https://127.0.0.1:8443", "t1", true);
        assert_eq!(v2["token_endpoint"], "https://127.0.0.1:8443/t1/oauth2/v2.0/token");
        assert_eq!(
            v2["authorization_endpoint"],
            "https://127.0.0.1:8443/t1/oauth2/v2.0/authorize"
        );
        assert_eq!(v2["issuer"], "https://127.0.0.1:8443/t1/v2.0");
        assert!(known_tenant("T1", "t1").is_ok());
        let unknown = known_tenant("other", "t1").expect_err("unknown tenant");
        assert!(
            body(&unknown)["error_description"]
                .as_str()
                .unwrap_or_default()
                .starts_with("AADSTS90002")
        );
    }

    #[test]
    fn metadata_registers_a_cloud_from_its_resource_manager_url() {
        let cloud = metadata("https://127.0.0.1:8443", "2022-09-01");
        assert_eq!(cloud["resourceManager"], "https://127.0.0.1:8443/");
        assert_eq!(cloud["authentication"]["loginEndpoint"], "https://127.0.0.1:8443/");
        assert_eq!(
            cloud["authentication"]["audiences"][0],
            "https://management.core.windows.net/"
        );
        assert!(cloud["suffixes"].is_object());
        assert!(metadata("https://x", "2019-05-01").is_array());
        assert!(metadata("https://x", "").is_object());
    }
}
