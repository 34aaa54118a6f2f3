//! One request, in the original's middleware order: CORS, security headers, rate limit,
//! route. Every answer is JSON, including unknown routes.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

use super::client_ip::client_ip;
use super::cors::{self, Cors};
use super::rate_limit::RateLimiter;
use super::respond::{Resp, error};
use super::routes;
use super::security_headers;
use crate::net::Http;

pub(crate) async fn handle(
    state: Arc<Http>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Resp, Infallible> {
    let ip = client_ip(
        peer.ip(),
        request.headers(),
        &state.config.net.trusted_proxies,
    );
    let cors = cors::check(request.headers(), &state.origins);
    let mut response = match &cors {
        Cors::Denied => cors::denied(),
        Cors::Allowed(origin) if request.method() == Method::OPTIONS => {
            cors::preflight(request.headers(), origin.clone())
        }
        _ => limited(&state, ip, request).await,
    };
    if let Cors::Allowed(origin) = cors {
        cors::decorate(&mut response, origin);
    }
    security_headers::apply(&mut response, state.config.net.hsts);
    Ok(response)
}

/// The limiter of the router a path belongs to (the original's mount points).
fn limiter_for<'a>(state: &'a Http, path: &str) -> Option<&'a RateLimiter> {
    let top = path.split('/').nth(1).unwrap_or("");
    match top {
        "auth" | "admin" => Some(&state.limits.auth),
        "user" | "room" | "media" | "referral" => Some(&state.limits.api),
        _ => None,
    }
}

async fn limited(state: &Arc<Http>, ip: IpAddr, request: Request<Incoming>) -> Resp {
    let Some(limiter) = limiter_for(state, request.uri().path()) else {
        return route(state, ip, request).await;
    };
    let decision = limiter.hit(ip);
    let mut response = if decision.limited {
        limiter.limited_response(&decision)
    } else {
        route(state, ip, request).await
    };
    limiter.finish(ip, response.status());
    limiter.decorate(&mut response, &decision);
    response
}

async fn route(state: &Arc<Http>, ip: IpAddr, request: Request<Incoming>) -> Resp {
    let path = request.uri().path();
    // Express routes are not strict about one trailing slash.
    let path = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    }
    .to_owned();
    if path == "/socket.io" {
        return super::realtime::handle(&state.transports, request).await;
    }
    if state.shedder.is_active() && crate::server::is_heavy(request.method(), &path) {
        return super::respond::busy();
    }
    match (request.method().clone(), path.as_str()) {
        (Method::GET, "/") => routes::root::index(state),
        (Method::GET, "/health") => routes::health::health(state),
        (Method::GET, "/metrics") => routes::metrics::metrics(state),
        (Method::GET, "/stats/live") => routes::root::stats_live(state),
        (Method::POST, "/auth/guest") => routes::auth::guest(state, ip, request).await,
        (Method::POST, "/auth/link") => routes::auth::link(state, request).await,
        (Method::POST, "/auth/login") => routes::auth::login(state, ip, request).await,
        (Method::POST, "/auth/logout") => routes::auth::logout(state, request).await,
        (Method::GET, "/user/me") => routes::user::me(state, request.headers()),
        (Method::PUT, "/user/me") => routes::user::update_me(state, request).await,
        (Method::GET, "/room/history") => routes::room::history(state, request.headers()),
        (Method::GET, "/room/me") => routes::room::me(state, request.headers()),
        (Method::GET, "/room/queue") => routes::room::queue(state, request.headers()),
        (Method::GET, "/room/reel") => routes::room::reel(state, request.headers(), request.uri()),
        (method, path) => error(
            StatusCode::NOT_FOUND,
            &format!("Cannot {method} {}", printable(path)),
        ),
    }
}

/// Echoes at most 200 plain characters of a client-chosen path.
fn printable(path: &str) -> String {
    path.chars().filter(|c| !c.is_control()).take(200).collect()
}
