//! A small hostile HTTP/1.1 server for the live tests, on 127.0.0.1:0.
//!
//! Each request is answered with whatever the test's handler returns, including what no
//! honest server sends: endless chunked bodies, gzip bombs, redirects to another
//! origin, a `Retry-After` of days, links that never end, ids that climb out of their
//! path. Every request is recorded (method, target, the `Authorization` it carried).
//! One request per connection (`connection: close`), so what the client does is easy
//! to count.

#![allow(dead_code, reason = "each test file uses a different part of the server")]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    pub authorization: Option<String>,
    /// The `If-Match` header, when the request carried one.
    pub if_match: Option<String>,
    pub body: Vec<u8>,
    /// This server's own `http://127.0.0.1:PORT`, for handlers that write links.
    pub base: String,
    /// How many requests came before this one.
    pub n: usize,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// What to answer.
pub enum Reply {
    /// A status and a JSON body, with extra headers.
    Json {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Raw bytes with these headers (and a content-length).
    Bytes {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// `prefix`, then `chunk` for ever, chunked, with these headers.
    Endless {
        headers: Vec<(String, String)>,
        prefix: Vec<u8>,
        chunk: Vec<u8>,
    },
    /// 302 to `location`.
    Redirect(String),
    /// No answer at all; the connection stays open.
    Hang,
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Reply {
        Reply::Json {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn status(status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> Reply {
        Reply::Json {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: body.into(),
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct Hostile {
    pub url: String,
    log: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (base, task_log) = (url.clone(), log.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (handler, log, base) = (handler.clone(), task_log.clone(), base.clone());
                tokio::spawn(async move {
                    let _ = serve(socket, &*handler, &log, &base).await;
                });
            }
        });
        Hostile { url, log, task }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

async fn serve(mut socket: TcpStream, handler: &Handler, log: &Mutex<Vec<Request>>, base: &str) -> std::io::Result<()> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let mut length = 0usize;
    let mut authorization = None;
    let mut if_match = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.to_string());
            } else if name.eq_ignore_ascii_case("if-match") {
                if_match = Some(value.to_string());
            }
        }
    }
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buf[..n]);
    }
    let request = {
        let mut log = log.lock().unwrap();
        let request = Request {
            method,
            target,
            authorization,
            if_match,
            body,
            base: base.to_string(),
            n: log.len(),
        };
        log.push(request.clone());
        request
    };
    let head = |status: u16, headers: &[(String, String)]| {
        let mut text = format!("HTTP/1.1 {status} {}\r\nconnection: close\r\n", reason(status));
        for (name, value) in headers {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text
    };
    match handler(&request) {
        Reply::Json { status, headers, body } => {
            let mut text = head(status, &headers);
            text.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            ));
            socket.write_all(text.as_bytes()).await?;
        }
        Reply::Bytes { status, headers, body } => {
            let text = head(status, &headers) + &format!("content-length: {}\r\n\r\n", body.len());
            socket.write_all(text.as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        Reply::Endless { headers, prefix, chunk } => {
            let text = head(200, &headers) + "content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            socket.write_all(text.as_bytes()).await?;
            let framed = |data: &[u8]| {
                let mut out = format!("{:x}\r\n", data.len()).into_bytes();
                out.extend_from_slice(data);
                out.extend_from_slice(b"\r\n");
                out
            };
            if !prefix.is_empty() {
                socket.write_all(&framed(&prefix)).await?;
            }
            let chunk = framed(&chunk);
            // Until the client hangs up: that is the test.
            loop {
                socket.write_all(&chunk).await?;
            }
        }
        Reply::Redirect(location) => {
            let text = head(302, &[("location".to_string(), location)]) + "content-length: 0\r\n\r\n";
            socket.write_all(text.as_bytes()).await?;
        }
        Reply::Hang => std::future::pending::<()>().await,
    }
    socket.flush().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        412 => "Precondition Failed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// A gzip stream's first bytes: the 10-byte header of RFC 1952.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Deflate blocks that decode to `data` and stand alone (a full flush resets the
/// window), so any number of them may follow one another in a stream.
fn deflate_block(data: &[u8]) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 100 + 64);
    compress
        .compress_vec(data, &mut out, flate2::FlushCompress::Full)
        .expect("deflate");
    assert_eq!(compress.total_in() as usize, data.len(), "one call takes it all");
    out
}

/// A gzip body that would decode to `{"value":[` and then `mib` MiB of spaces (valid
/// JSON whitespace, so only a size limit stops a reader), in about a thousandth of that.
/// It has no end: a reader that gets that far has already failed the test.
pub fn gzip_bomb(mib: usize) -> Vec<u8> {
    let mut out = GZIP_HEADER.to_vec();
    out.extend(deflate_block(br#"{"value":["#));
    let block = deflate_block(&vec![b' '; 1024 * 1024]);
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    out
}

/// The parts of an endless gzip stream: the header with `{"value":[`, and a block of
/// 1 MiB of spaces to repeat for ever.
pub fn endless_gzip() -> (Vec<u8>, Vec<u8>) {
    let mut prefix = GZIP_HEADER.to_vec();
    prefix.extend(deflate_block(br#"{"value":["#));
    (prefix, deflate_block(&vec![b' '; 1024 * 1024]))
}

/// An honest gzip body.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A subscription id that is a GUID, for the handlers' lists.
pub const SUB: &str = "6f1d3c2a-8b7e-4d5f-9a0b-1c2d3e4f5a6b";

/// `GET /subscriptions` listing `ids`.
pub fn subscriptions(ids: &[&str]) -> Reply {
    let value: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({"subscriptionId": id, "displayName": "Hostile", "state": "Enabled"}))
        .collect();
    Reply::ok(serde_json::json!({ "value": value }).to_string())
}

/// A managed cluster as ARM lists it, in subscription `sub`.
pub fn cluster(sub: &str, group: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.ContainerService/managedClusters/{name}"),
        "name": name,
        "type": "Microsoft.ContainerService/managedClusters",
        "location": "eastus",
        "properties": {
            "kubernetesVersion": "1.33.7",
            "autoUpgradeProfile": {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"},
            "agentPoolProfiles": [{"name": "system", "mode": "System", "osType": "Linux", "count": 3}]
        }
    })
}
