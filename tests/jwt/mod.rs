//! Access tokens shaped like Entra ID's: a JWT whose payload names a tenant and an
//! object id, for tests of what aksradar records about who acted. The signature is
//! not a signature: nothing in aksradar or the simulator checks it.

/// Unpadded base64url, as JWT parts are written.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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
}

/// A token for `tenant` and `object`.
pub fn token(tenant: &str, object: &str) -> String {
    let claims = format!(r#"{{"aud":"https://management.azure.com","tid":"{tenant}","oid":"{object}"}}"#);
    format!(
        "{}.{}.{}",
        base64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        base64url(claims.as_bytes()),
        base64url(b"not-a-real-signature")
    )
}
