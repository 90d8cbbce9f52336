//! The HTTP side of the fake: accept connections, turn each request into an
//! [`Incoming`], let the state answer it, write the reply (after any delay).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

use super::state::{Incoming, Reply};
use super::Shared;

pub(crate) type Started = (Arc<tiny_http::Server>, SocketAddr, JoinHandle<()>);

/// Binds `127.0.0.1:0` and serves every request on its own thread, so a slow
/// response never holds up the others.
pub(crate) fn spawn(shared: Arc<Shared>) -> Result<Started, String> {
    let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| "not an IP listener".to_owned())?;
    let server = Arc::new(server);
    let accept = Arc::clone(&server);
    let thread = std::thread::Builder::new()
        .name("fake-github".to_owned())
        .spawn(move || loop {
            match accept.recv() {
                Ok(request) => {
                    let shared = Arc::clone(&shared);
                    let spawned = std::thread::Builder::new()
                        .name("fake-github-request".to_owned())
                        .spawn(move || serve(&shared, request, addr));
                    // Out of threads: the client sees a dropped connection,
                    // which is a fault it must survive anyway.
                    drop(spawned);
                }
                Err(_) if shared.stop.load(Ordering::SeqCst) => break,
                Err(_) => {}
            }
        })
        .map_err(|e| e.to_string())?;
    Ok((server, addr, thread))
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
