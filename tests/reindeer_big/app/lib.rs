//! A first-party crate over the big third-party set, behind a C API a C++
//! service calls: a tokio runtime, one HTTP request served by hyper on
//! 127.0.0.1 (an ephemeral port) and fetched by reqwest (rustls on ring
//! installed, plain HTTP on the wire), the body compressed with zstd
//! (zstd-sys: C) and gzip (flate2 over libz-sys: system zlib), stored in and
//! read back from SQLite (libsqlite3-sys: bundled C), hashed with ring and
//! with the system OpenSSL (openssl-sys: the DEP_OPENSSL_* path), and a few
//! more of the set used for real. Every step is checked; the summary line is
//! deterministic.
use std::ffi::c_char;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use prost::Message;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Parser, Debug)]
#[command(name = "service", version)]
struct Args {
    /// Rows to store in SQLite.
    #[arg(long, default_value_t = 2)]
    rows: usize,
    #[arg(long)]
    greeting: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Record {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(uint64, tag = "2")]
    count: u64,
    #[prost(message, optional, tag = "3")]
    at: Option<prost_types::Timestamp>,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    greeting: String,
    path: String,
    items: Vec<u32>,
}

#[derive(Debug, thiserror::Error)]
enum ServiceError {
    #[error("round trip through {0} changed the data")]
    RoundTrip(&'static str),
}

/// Serves exactly one request on `listener`: the JSON payload for its path.
async fn serve_one(listener: tokio::net::TcpListener, greeting: String) -> Result<()> {
    let (stream, _) = listener.accept().await?;
    let service = service_fn(move |req: Request<Incoming>| {
        let payload = Payload { greeting: greeting.clone(), path: req.uri().path().to_string(), items: (1..=40).collect() };
        async move {
            let body = serde_json::to_vec(&payload).expect("json");
            Ok::<_, std::convert::Infallible>(Response::builder().header("content-type", "application/json").body(Full::new(Bytes::from(body))).expect("response"))
        }
    });
    http1::Builder::new().serve_connection(TokioIo::new(stream), service).await?;
    Ok(())
}

async fn fetch(greeting: &str) -> Result<(u16, Vec<u8>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let server = tokio::spawn(serve_one(listener, greeting.to_string()));
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build()?;
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/v1/items"))?;
    let (resp, _) = futures::future::join(client.get(url).send(), tokio::task::yield_now()).await;
    let resp = resp?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await?.to_vec();
    // The server's connection ends when the client lets go of it (keep-alive).
    drop(client);
    server.await??;
    Ok((status, body))
}

fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data)?;
    Ok(enc.finish()?)
}

fn gunzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out)?;
    Ok(out)
}

/// Both compressed forms stored in SQLite, read back and decompressed.
fn sqlite_round_trip(body: &[u8], rows: usize) -> Result<usize> {
    let db = rusqlite::Connection::open_in_memory()?;
    db.execute_batch("CREATE TABLE blobs (id INTEGER PRIMARY KEY, codec TEXT NOT NULL, data BLOB NOT NULL)")?;
    for i in 0..rows {
        db.execute("INSERT INTO blobs (codec, data) VALUES (?1, ?2)", rusqlite::params!["zstd", zstd::encode_all(body, 3 + i as i32)?])?;
        db.execute("INSERT INTO blobs (codec, data) VALUES (?1, ?2)", rusqlite::params!["gzip", gzip(body)?])?;
    }
    let mut stmt = db.prepare("SELECT codec, data FROM blobs ORDER BY id")?;
    let mut n = 0;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))? {
        let (codec, data) = row?;
        let back = match codec.as_str() {
            "zstd" => zstd::decode_all(&data[..])?,
            "gzip" => gunzip(&data)?,
            other => bail!("unknown codec {other}"),
        };
        if back != body {
            return Err(ServiceError::RoundTrip("sqlite").into());
        }
        n += 1;
    }
    Ok(n)
}

/// What tracing writes, kept to count its events.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn run(argv: &[&str]) -> Result<String> {
    let args = Args::try_parse_from(argv)?;
    rustls::crypto::ring::default_provider().install_default().map_err(|_| anyhow!("a rustls crypto provider was already installed"))?;
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).without_time().finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let (status, body) = rt.block_on(async { tokio::time::timeout(Duration::from_secs(20), fetch(&args.greeting)).await })??;
    tracing::info!(status, bytes = body.len(), "fetched");
    let payload: Payload = serde_json::from_slice(&body)?;

    let zstd_ok = zstd::decode_all(&zstd::encode_all(&body[..], 19)?[..])? == body;
    let gzip_ok = gunzip(&gzip(&body)?)? == body;
    let rows = sqlite_round_trip(&body, args.rows)?;

    let ring_hash = ring::digest::digest(&ring::digest::SHA256, &body);
    let openssl_hash = openssl::sha::sha256(&body);
    let sha2_hash = <sha2::Sha256 as sha2::Digest>::digest(&body);
    if ring_hash.as_ref() != openssl_hash || ring_hash.as_ref() != sha2_hash.as_slice() {
        bail!("ring, OpenSSL and sha2 disagree on SHA-256");
    }
    tracing::info!(hash = %hex::encode(ring_hash.as_ref()), "hashed");

    let sum: u32 = payload.items.par_iter().sum();
    let digits = regex::Regex::new(r"\d+")?.find_iter(&payload.path).count();
    let date = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).context("date")?.format("%Y-%m-%d").to_string();
    let uuid = uuid::Uuid::new_v4().get_version_num();
    let record = Record { name: payload.greeting.clone(), count: sum as u64, at: Some(prost_types::Timestamp { seconds: 1_700_000_000, nanos: 0 }) };
    let encoded = record.encode_to_vec();
    if Record::decode(&encoded[..])? != record {
        return Err(ServiceError::RoundTrip("prost").into());
    }
    let mut buf = bytes::BytesMut::new();
    buf.extend_from_slice(&encoded);
    let template = handlebars::Handlebars::new().render_template("{{name}}!", &serde_json::json!({"name": payload.greeting}))?;
    let config: toml::Table = toml::from_str("workers = 2")?;
    let version = semver::Version::parse("1.2.3")?;
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"rlib-v0");
    let cache = {
        let mut lru = lru::LruCache::new(std::num::NonZeroUsize::new(2).unwrap());
        lru.put("a", 1);
        lru.put("b", 2);
        lru.put("c", 3);
        lru.len()
    };
    let map = dashmap::DashMap::new();
    map.insert("k", parking_lot::Mutex::new(1));
    let mime = mime_guess::from_path("x.json").first_or_octet_stream().to_string();
    let events = String::from_utf8_lossy(&captured.0.lock().unwrap()).lines().count();
    Ok(format!(
        "http={status} path={} json_items={} sum={sum} digits={digits} zstd={zstd_ok} gzip={gzip_ok} sqlite_rows={rows} sha256={} \
         openssl=agrees date={date} uuid=v{uuid} prost={} template={template} toml_workers={} semver={version} base64={b64} lru={cache} \
         dashmap={} mime={mime} tracing_events={events}",
        payload.path,
        payload.items.len(),
        &hex::encode(ring_hash.as_ref())[..12],
        buf.len(),
        config["workers"],
        map.len(),
    ))
}

/// The summary of one service run, NUL-terminated into `out` (at most
/// `cap` bytes); an error is written the same way, prefixed "error: ".
#[no_mangle]
pub extern "C" fn service_run(greeting: *const c_char, out: *mut c_char, cap: usize) -> usize {
    let greeting = unsafe { std::ffi::CStr::from_ptr(greeting) }.to_string_lossy().into_owned();
    let text = run(&["service", "--greeting", &greeting, "--rows", "3"]).unwrap_or_else(|e| format!("error: {e:#}"));
    let n = text.len().min(cap.saturating_sub(1));
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), out as *mut u8, n);
        *out.add(n) = 0;
    }
    n
}
