//! The HTTP side of the fake: accept connections, turn each request into an
//! [`Incoming`], let the state answer it, write the reply (after any delay).
//!
//! Clients talk to a plain TCP front ([`relay`]), not to `tiny_http`
//! directly: faults that live below HTTP (a reset connection, a body shorter
//! than its `Content-Length`, a body cut mid-JSON) need the socket itself,
//! which `tiny_http` does not hand out. The front reads one request, applies
//! any such fault, otherwise passes the request to the `tiny_http` back end
//! as HTTP/1.0 (so the reply is never chunked and ends when the back end
//! closes), and relays the reply with `Connection: close`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::state::{Incoming, Reply};
use super::{Fault, Shared};

pub(crate) type Started = (Arc<tiny_http::Server>, SocketAddr, JoinHandle<()>);

/// Binds `127.0.0.1:0` twice (the front clients see, the `tiny_http` back
/// end) and serves every request on its own thread, so a slow response never
/// holds up the others.
pub(crate) fn spawn(shared: Arc<Shared>) -> Result<Started, String> {
    let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?;
    let backend = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| "not an IP listener".to_owned())?;
    let front = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = front.local_addr().map_err(|e| e.to_string())?;
    let server = Arc::new(server);
    let accept = Arc::clone(&server);
    let back_shared = Arc::clone(&shared);
    let back = std::thread::Builder::new()
        .name("fake-github".to_owned())
        .spawn(move || loop {
            match accept.recv() {
                Ok(request) => {
                    let shared = Arc::clone(&back_shared);
                    let spawned = std::thread::Builder::new()
                        .name("fake-github-request".to_owned())
                        .spawn(move || serve(&shared, request, addr));
                    // Out of threads: the client sees a dropped connection,
                    // which is a fault it must survive anyway.
                    drop(spawned);
                }
                Err(_) if back_shared.stop.load(Ordering::SeqCst) => break,
                Err(_) => {}
            }
        })
        .map_err(|e| e.to_string())?;
    let thread = std::thread::Builder::new()
        .name("fake-github-front".to_owned())
        .spawn(move || {
            for client in front.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let shared = Arc::clone(&shared);
                let spawned = std::thread::Builder::new()
                    .name("fake-github-relay".to_owned())
                    .spawn(move || relay(&shared, client, backend));
                drop(spawned);
            }
            let _ = back.join();
        })
        .map_err(|e| e.to_string())?;
    Ok((server, addr, thread))
}

/// Wakes the front's accept loop so that it sees the stop flag.
pub(crate) fn wake(addr: SocketAddr) {
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
}

/// One request read off the front socket.
struct RawRequest {
    method: String,
    target: String,
    /// Header lines as sent, without the request line.
    headers: Vec<String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut impl BufRead) -> Option<RawRequest> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_ascii_uppercase();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end_matches(['\r', '\n']).to_owned();
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
        headers.push(h);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

/// The path a fault rule matches: no query, no `/api/v3`.
fn fault_path(target: &str) -> String {
    let path = target.split('?').next().unwrap_or(target);
    match path.strip_prefix("/api/v3") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest.to_owned(),
        _ => path.to_owned(),
    }
}

/// Resets the connection (RST, not an orderly close).
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

fn relay(shared: &Shared, client: TcpStream, backend: SocketAddr) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(60)));
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let path = fault_path(&request.target);
    let fault = shared.lock().take_connection_fault(&request.method, &path);
    if fault == Some(Fault::ConnectionReset) {
        shared.lock().log_connection_fault(
            &request.method,
            &request.target,
            Fault::ConnectionReset,
        );
        reset(client);
        return;
    }
    let Some(response) = forward(&request, backend) else {
        reset(client);
        return;
    };
    if let Some(fault) = &fault {
        shared
            .lock()
            .mark_fault(&request.method, &path, fault.clone());
    }
    let (head, body) = split_response(&response);
    let mut client = client;
    match fault {
        Some(Fault::ResetAfterWrite) => reset(client),
        Some(Fault::ShortBody) => {
            // Declare more than is sent, send half, and hang up.
            let sent = &body[..body.len() / 2];
            let head = with_length(&head, body.len() + 100);
            let _ = client.write_all(head.as_bytes());
            let _ = client.write_all(sent);
            let _ = client.flush();
            let _ = client.shutdown(std::net::Shutdown::Both);
        }
        Some(Fault::CutBody) => {
            // Half the body, its length declared truthfully: a well-formed
            // HTTP message whose JSON ends mid-value.
            let sent = &body[..body.len() / 2];
            let head = with_length(&head, sent.len());
            let _ = client.write_all(head.as_bytes());
            let _ = client.write_all(sent);
            let _ = client.flush();
        }
        _ => {
            let head = with_length(&head, body.len());
            let _ = client.write_all(head.as_bytes());
            let _ = client.write_all(body);
            let _ = client.flush();
        }
    }
}

/// Sends `request` to the back end as HTTP/1.0 and reads the whole reply.
fn forward(request: &RawRequest, backend: SocketAddr) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(backend).ok()?;
    let mut head = format!("{} {} HTTP/1.0\r\n", request.method, request.target);
    for h in &request.headers {
        let name = h.split(':').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("keep-alive") {
            continue;
        }
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    up.write_all(head.as_bytes()).ok()?;
    up.write_all(&request.body).ok()?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).ok()?;
    Some(response)
}

/// The reply's head (status line and headers, as text) and its body.
fn split_response(response: &[u8]) -> (String, &[u8]) {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let body = response.get(end + 4..).unwrap_or_default();
    (head, body)
}

/// `head` as HTTP/1.1 with `Content-Length: length` and `Connection: close`.
fn with_length(head: &str, length: usize) -> String {
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("HTTP/1.0 500 Internal Server Error");
    let status = status.replacen("HTTP/1.0", "HTTP/1.1", 1);
    let mut out = status;
    out.push_str("\r\n");
    for line in lines {
        let name = line.split(':').next().unwrap_or_default().trim();
        if ["content-length", "connection", "transfer-encoding"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    let _ = write!(out, "Content-Length: {length}\r\nConnection: close\r\n\r\n");
    out
}

fn serve(shared: &Shared, mut request: tiny_http::Request, addr: SocketAddr) {
    let method = request.method().as_str().to_ascii_uppercase();
    let url = request.url().to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_ascii_lowercase(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let mut raw = Vec::new();
    let _ = request.as_reader().read_to_end(&mut raw);
    let body = String::from_utf8_lossy(&raw).into_owned();

    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (url.clone(), String::new()),
    };
    let (enterprise_prefix, path) = match path.strip_prefix("/api/v3") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => (true, rest.to_owned()),
        _ => (false, path),
    };
    let host = headers
        .iter()
        .find(|(n, _)| n == "host")
        .map_or_else(|| addr.to_string(), |(_, v)| v.clone());
    let root = format!(
        "http://{host}{}",
        if enterprise_prefix { "/api/v3" } else { "" }
    );

    let incoming = Incoming {
        method,
        path,
        query,
        headers,
        body,
        root,
        enterprise_prefix,
    };
    let reply = shared.lock().handle(&incoming);
    if let Some(delay) = reply.delay {
        std::thread::sleep(delay);
    }
    let _ = request.respond(to_response(reply));
}

fn to_response(reply: Reply) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    for (name, value) in reply.headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    response
}
