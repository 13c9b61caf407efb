//! Response bodies read as streams, never past a size limit.
//!
//! The limit counts bytes after decompression (reqwest undoes gzip and deflate as the
//! chunks arrive), so neither an endless chunked body nor a gzip bomb can take more
//! than the limit. A list page is read whole while it is small, and parsed from memory
//! (the fastest way); once it grows past a few MiB, what has come so far and the rest
//! go to a parser on a blocking thread as they arrive, which turns each element into a
//! cluster as soon as it is whole, so a large page's text is never held at once.

use std::io::{self, Read};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::import::{ImportError, PageLinks};
use crate::model::Fleet;

/// Why a successful response's body could not be used.
#[derive(Debug)]
pub enum Unreadable {
    /// Cut short or garbled: the next try may do better.
    Retry(String),
    /// Well-formed but not what was expected: trying again will not help.
    Final(String),
    /// Longer than the limit (in bytes, decoded).
    TooLarge(u64),
    /// The connection failed while the body was read.
    Transport(reqwest::Error),
}

/// An error body is only read for its code and message: this much is plenty.
const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// One piece of a body on its way to the parser.
enum Piece {
    Chunk(Bytes),
    /// The body ended where it should: anything after this is not a cut.
    End,
}

/// Why feeding a body stopped early.
enum Stopped {
    TooLarge,
    Transport(reqwest::Error),
    /// The parser stopped reading (it found an error); its answer says why.
    ParserDone,
}

fn too_large(response: &reqwest::Response, limit: u64) -> bool {
    response.content_length().is_some_and(|n| n > limit)
}

/// The whole body, up to `limit` bytes.
pub async fn bytes(mut response: reqwest::Response, limit: u64) -> Result<Vec<u8>, Unreadable> {
    if too_large(&response, limit) {
        return Err(Unreadable::TooLarge(limit));
    }
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Unreadable::Transport)? {
        if (out.len() + chunk.len()) as u64 > limit {
            return Err(Unreadable::TooLarge(limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The beginning of an error body (its envelope); what cannot be read is left out.
pub async fn error_body(mut response: reqwest::Response) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = ERROR_BODY_LIMIT as usize - out.len();
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() as u64 >= ERROR_BODY_LIMIT {
            break;
        }
    }
    out
}

/// A body parsed as JSON, up to `limit` bytes.
pub async fn json(response: reqwest::Response, limit: u64) -> Result<serde_json::Value, Unreadable> {
    let bytes = bytes(response, limit).await?;
    serde_json::from_slice(&bytes).map_err(|e| Unreadable::Retry(e.to_string()))
}

/// Pages up to this size are read whole and parsed from memory (the faster way);
/// a larger one is parsed while it streams, so no more than this is held as text.
const STREAM_ABOVE: u64 = 4 * 1024 * 1024;

/// A list page parsed into clusters, up to `limit` bytes. `name` names the page in
/// parse errors (its URL). A page larger than `STREAM_ABOVE` (or a quarter of the
/// limit, if less) is handed to a parser as it streams.
pub async fn page(mut response: reqwest::Response, limit: u64, name: String) -> Result<(Fleet, PageLinks), Unreadable> {
    if too_large(&response, limit) {
        return Err(Unreadable::TooLarge(limit));
    }
    let stream_above = STREAM_ABOVE.min(limit / 4);
    let mut buffered = Vec::new();
    loop {
        match response.chunk().await.map_err(Unreadable::Transport)? {
            None => return parsed(crate::import::parse_page(&buffered, &name).map_err(Ok)),
            Some(chunk) => {
                if (buffered.len() + chunk.len()) as u64 > limit {
                    return Err(Unreadable::TooLarge(limit));
                }
                buffered.extend_from_slice(&chunk);
                if buffered.len() as u64 > stream_above {
                    return streamed(response, Bytes::from(buffered), limit, name).await;
                }
            }
        }
    }
}

/// The rest of a large page, parsed on a blocking thread as its chunks arrive.
async fn streamed(
    response: reqwest::Response,
    head: Bytes,
    limit: u64,
    name: String,
) -> Result<(Fleet, PageLinks), Unreadable> {
    let (tx, rx) = mpsc::channel(8);
    let parser = tokio::task::spawn_blocking(move || {
        // BufReader gives serde_json's byte-at-a-time reads their fast path.
        let reader = io::BufReader::with_capacity(64 * 1024, Chunks::new(rx));
        crate::import::parse_page_from(reader, &name)
    });
    let fed = feed(response, head, tx, limit).await;
    let result = parser.await;
    match fed {
        Err(Stopped::TooLarge) => Err(Unreadable::TooLarge(limit)),
        Err(Stopped::Transport(err)) => Err(Unreadable::Transport(err)),
        Ok(()) | Err(Stopped::ParserDone) => match result {
            Ok(page) => parsed(page.map_err(Ok)),
            Err(err) => parsed(Err(Err(format!("the page parser stopped: {err}")))),
        },
    }
}

/// A parser's answer as the client takes it; `Err(Err(_))` when the parser itself failed.
fn parsed(result: Result<(Fleet, PageLinks), Result<ImportError, String>>) -> Result<(Fleet, PageLinks), Unreadable> {
    match result {
        Ok(page) => Ok(page),
        // A body cut short is worth another try; a body of the wrong shape is not.
        Err(Ok(err @ ImportError::Syntax { .. })) => Err(Unreadable::Retry(err.to_string())),
        Err(Ok(err @ ImportError::Shape { .. })) => Err(Unreadable::Final(err.to_string())),
        Err(Err(message)) => Err(Unreadable::Final(message)),
    }
}

/// Sends `head`, then the rest of the body's chunks, to the parser, counting them
/// against `limit`.
async fn feed(
    mut response: reqwest::Response,
    head: Bytes,
    tx: mpsc::Sender<Piece>,
    limit: u64,
) -> Result<(), Stopped> {
    let mut total = head.len() as u64;
    if tx.send(Piece::Chunk(head)).await.is_err() {
        return Err(Stopped::ParserDone);
    }
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                total += chunk.len() as u64;
                if total > limit {
                    return Err(Stopped::TooLarge);
                }
                if tx.send(Piece::Chunk(chunk)).await.is_err() {
                    return Err(Stopped::ParserDone);
                }
            }
            Ok(None) => {
                // The parser may already have stopped; its answer is what counts then.
                let _ = tx.send(Piece::End).await;
                return Ok(());
            }
            Err(err) => return Err(Stopped::Transport(err)),
        }
    }
}

/// The parser's side: a `Read` over the chunks as they come. serde_json asks for one
/// byte at a time, so a read is a bounds check and a copy, nothing more.
struct Chunks {
    rx: mpsc::Receiver<Piece>,
    current: Bytes,
    at: usize,
    ended: bool,
    first: bool,
}

impl Chunks {
    fn new(rx: mpsc::Receiver<Piece>) -> Chunks {
        Chunks {
            rx,
            current: Bytes::new(),
            at: 0,
            ended: false,
            first: true,
        }
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.current.len() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Piece::Chunk(chunk)) => {
                    // A UTF-8 byte-order mark at the very start is not JSON; skip it.
                    let bom = std::mem::take(&mut self.first) && chunk.starts_with(b"\xEF\xBB\xBF");
                    self.at = if bom { 3 } else { 0 };
                    self.current = chunk;
                }
                Some(Piece::End) => self.ended = true,
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the response stopped before its body ended",
                    ));
                }
            }
        }
        let rest = &self.current[self.at..];
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(pieces: Vec<Piece>) -> Chunks {
        let (tx, rx) = mpsc::channel(pieces.len().max(1));
        for piece in pieces {
            assert!(tx.try_send(piece).is_ok(), "room for every piece");
        }
        Chunks::new(rx)
    }

    #[test]
    fn the_reader_joins_the_chunks_skips_a_leading_bom_and_ends_at_the_end() {
        let mut reader = chunks(vec![
            Piece::Chunk(Bytes::from_static(b"\xEF\xBB\xBF{\"va")),
            Piece::Chunk(Bytes::new()),
            Piece::Chunk(Bytes::from_static(b"lue\":[]}")),
            Piece::End,
        ]);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, r#"{"value":[]}"#);
    }

    #[test]
    fn a_body_that_stops_without_its_end_is_an_error_not_a_short_read() {
        let mut reader = chunks(vec![Piece::Chunk(Bytes::from_static(b"{\"value\":["))]);
        let mut text = String::new();
        let err = reader.read_to_string(&mut text).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
