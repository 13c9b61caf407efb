//! Who a token says its holder is: the tenant (`tid`) and object id (`oid`) claims of
//! an Entra ID access token, for the audit log of an apply.
//!
//! The token is a JWT: `header.payload.signature`, each part base64url. Only the
//! payload is decoded, and it is not verified (aksradar is not the audience; Azure
//! verifies it). Nothing here keeps or returns the token: only the two claims, each
//! checked to be a plain id. A token that is no JWT (the simulator's, a test's) gives
//! no identity.

/// The tenant and object id a token names, when it names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub tenant: Option<String>,
    pub object: Option<String>,
}

impl Identity {
    /// The claims of `token`, or nothing when it is not a JWT with them.
    pub fn of_token(token: &str) -> Identity {
        let mut parts = token.split('.');
        let (Some(_header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Identity::default();
        };
        let Some(bytes) = base64url(payload) else {
            return Identity::default();
        };
        let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return Identity::default();
        };
        let claim = |name: &str| {
            claims
                .get(name)
                .and_then(serde_json::Value::as_str)
                .filter(|v| plain_id(v))
                .map(String::from)
        };
        Identity {
            tenant: claim("tid"),
            object: claim("oid"),
        }
    }
}

/// An id as Entra gives them: a GUID, or at most 64 letters, digits and `-`.
fn plain_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Decodes unpadded base64url (RFC 4648 §5), as JWT parts are written; `None` for
/// anything else.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    };
    let text = text.trim_end_matches('=').as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut bits = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            bits |= value(c)? << (18 - 6 * i);
        }
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token with these claims, signed with nothing (the payload is all that is read).
    fn jwt(claims: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let encode = |bytes: &[u8]| -> String {
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let mut bits = 0u32;
                for (i, &b) in chunk.iter().enumerate() {
                    bits |= u32::from(b) << (16 - 8 * i);
                }
                for i in 0..=chunk.len() {
                    out.push(ALPHABET[((bits >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            encode(claims.as_bytes())
        )
    }

    #[test]
    fn the_tenant_and_object_id_are_read_from_the_payload() {
        let token = jwt(
            r#"{"aud":"https://management.azure.com","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","oid":"0b5ec0de-0000-4000-8000-000000000001","name":"José"}"#,
        );
        assert_eq!(
            Identity::of_token(&token),
            Identity {
                tenant: Some("72f988bf-86f1-41af-91ab-2d7cd011db47".into()),
                object: Some("0b5ec0de-0000-4000-8000-000000000001".into()),
            }
        );
    }

    #[test]
    fn anything_but_a_jwt_with_plain_ids_gives_no_identity() {
        let none = Identity::default();
        for token in [
            "simulator".to_string(),
            "a.b".to_string(),
            "a.b.c.d".to_string(),
            "x.!!!.y".to_string(),
            jwt("not json"),
            jwt(r#"{"tid":7}"#),
        ] {
            assert_eq!(Identity::of_token(&token), none, "{token}");
        }
        let hostile = Identity::of_token(&jwt(r#"{"tid":"x\u001b[31m","oid":"a b"}"#));
        assert_eq!(hostile, none, "claims that are no plain id are dropped");
    }

    #[test]
    fn base64url_decodes_every_length_and_refuses_other_alphabets() {
        assert_eq!(base64url("").unwrap(), b"");
        assert_eq!(base64url("Zg").unwrap(), b"f");
        assert_eq!(base64url("Zm8").unwrap(), b"fo");
        assert_eq!(base64url("Zm9v").unwrap(), b"foo");
        assert_eq!(base64url("Zm9vYg==").unwrap(), b"foob");
        assert_eq!(base64url("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64url("Zm9v+"), None, "`+` is base64, not base64url");
        assert_eq!(base64url("Z"), None, "one character cannot hold a byte");
    }
}
