//! One request, in the original's middleware order: CORS, security headers, rate limit,
//! route. Every answer is JSON, including unknown routes. Every route is declared once, in
//! `routes()`.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock};

use hyper::body::Incoming;
use hyper::{Method, Request};

use super::call::{Answer, Call};
use super::client_ip::client_ip;
use super::cors::{self, Cors};
use super::error::ApiError;
use super::rate_limit::RateLimiter;
use super::respond::Resp;
use super::route_table::{Found, RateClass, Route, Table, Weight, route};
use super::routes;
use super::security_headers;
use crate::net::Http;

/// The API. A new family adds its lines here and its handlers in `routes/`.
fn routes() -> Vec<Route> {
    vec![
        route!(GET  "/",             None, Light => routes::root::index),
        route!(GET  "/health",       None, Light => routes::health::health),
        route!(GET  "/metrics",      None, Light => routes::metrics::metrics),
        route!(GET  "/stats/live",   None, Light => routes::root::stats_live),
        route!(POST "/auth/guest",   Auth, Heavy => routes::auth::guest),
        route!(POST "/auth/link",    Auth, Heavy => routes::auth::link),
        route!(POST "/auth/login",   Auth, Heavy => routes::auth::login),
        route!(POST "/auth/logout",  Auth, Light => routes::auth::logout),
        route!(POST "/admin/login",  Auth, Heavy => routes::admin::login),
        route!(POST "/admin/logout", Auth, Light => routes::admin::logout),
        route!(GET  "/admin/verify", Auth, Light => routes::admin::verify),
        route!(GET  "/user/me",      Api,  Light => routes::user::me),
        route!(PUT  "/user/me",      Api,  Light => routes::user::update_me),
        route!(GET  "/room/history", Api,  Heavy => routes::room::history),
        route!(GET  "/room/me",      Api,  Light => routes::room::me),
        route!(GET  "/room/queue",   Api,  Heavy => routes::room::queue),
        route!(GET  "/room/reel",    Api,  Heavy => routes::room::reel),
        route!(GET  "/payment/status",                 None, Light => routes::payment::status),
        route!(POST "/payment/apply-code",             None, Light => routes::payment::apply_code),
        route!(POST "/payment/validate-code",          None, Light => routes::payment::validate_code),
        route!(GET  "/payment/qr/{code}",              None, Light => routes::payment::qr),
        route!(POST "/payment/admin/generate-code",    None, Light => routes::payment::generate_code),
        route!(GET  "/payment/admin/codes",            None, Light => routes::payment::codes),
        route!(POST "/payment/admin/deactivate-code",  None, Light => routes::payment::deactivate_code),
        route!(POST "/referral/generate",                 Api, Light => routes::referral::generate),
        route!(GET  "/referral/info/{code}",              Api, Light => routes::referral::info),
        route!(GET  "/referral/target-status/{code}",     Api, Light => routes::referral::target_status),
        route!(POST "/referral/direct-match",             Api, Light => routes::referral::direct_match),
        route!(GET  "/referral/my-introductions",         Api, Light => routes::referral::my_introductions),
        route!(GET  "/referral/notifications",            Api, Light => routes::referral::notifications),
        route!(PUT  "/referral/notifications/{id}/read",  Api, Light => routes::referral::mark_read),
        route!(POST "/report/user",              Report, Light => routes::report::file),
        route!(GET  "/report/pending",           Report, Light => routes::report::pending),
        route!(GET  "/report/all",               Report, Light => routes::report::all),
        route!(POST "/report/review/{userId}",   Report, Light => routes::report::review),
        route!(GET  "/report/blacklist",         Report, Light => routes::report::blacklist),
        route!(GET  "/report/check-ban",         Report, Light => routes::report::check_ban),
        route!(GET  "/report/check-ip/{ip}",     Report, Light => routes::report::check_ip),
        route!(GET  "/report/stats",             Report, Light => routes::report::stats),
        route!(POST "/media/selfie", Api,  Heavy => routes::media::selfie),
        route!(POST "/media/video",  Api,  Heavy => routes::media::video),
        // Static files, as the original served them: no limiter.
        route!(GET  "/uploads/{name}", None, Light => routes::uploads::serve),
        route!(POST "/payment/create-checkout",  None, Light => routes::checkout::create_checkout),
        route!(POST "/payment/webhook",          None, Light => routes::checkout::webhook),
        route!(GET  "/turn/credentials",         Turn, Light => routes::turn::credentials),
        route!(GET  "/turn/status",              Turn, Light => routes::turn::status),
        // Engine.IO answers every method itself; new transports are refused by its own
        // capacity check while shedding, so the route is light here.
        route!(ANY  "/socket.io",    None, Light => socket_io),
    ]
}

/// The original's mount points: unknown routes below them count against their limiter.
const MOUNTS: &[(&str, RateClass)] = &[
    ("auth", RateClass::Auth),
    ("admin", RateClass::Auth),
    ("user", RateClass::Api),
    ("room", RateClass::Api),
    ("media", RateClass::Api),
    ("referral", RateClass::Api),
    ("report", RateClass::Report),
    ("turn", RateClass::Turn),
];

static TABLE: LazyLock<Table> = LazyLock::new(|| match Table::new(routes(), MOUNTS) {
    Ok(table) => table,
    // The table is a constant of the program; a test builds it.
    Err(e) => panic!("invalid route table: {e}"),
});

async fn socket_io(state: &Arc<Http>, call: Call) -> Answer {
    Ok(super::realtime::handle(&state.transports, call.ip, call.request).await)
}

pub async fn handle(
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
        _ => match state.gate.refusal(ip) {
            Some(reason) => ApiError::AddressBanned { reason }.into_response(),
            None => limited(&state, ip, request).await,
        },
    };
    if let Cors::Allowed(origin) = cors {
        cors::decorate(&mut response, origin);
    }
    security_headers::apply(&mut response, state.config.net.hsts);
    Ok(response)
}

fn limiter(state: &Http, rate: RateClass) -> Option<&RateLimiter> {
    match rate {
        RateClass::Auth => Some(&state.limits.auth),
        RateClass::Api => Some(&state.limits.api),
        RateClass::Report => Some(&state.limits.report),
        // Limited per user inside the handler, once the caller is known.
        RateClass::Turn | RateClass::None => None,
    }
}

/// Express routes are not strict about one trailing slash.
fn route_path(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    }
}

async fn limited(state: &Arc<Http>, ip: IpAddr, request: Request<Incoming>) -> Resp {
    let found = TABLE.find(request.method(), route_path(request.uri().path()));
    let Some(limiter) = limiter(state, found.rate) else {
        return route(state, ip, request, found).await;
    };
    let decision = limiter.hit(ip);
    let mut response = if decision.limited {
        limiter.limited_response(&decision)
    } else {
        route(state, ip, request, found).await
    };
    limiter.finish(ip, response.status());
    limiter.decorate(&mut response, &decision);
    response
}

/// Routes whose bodies are not JSON: Engine.IO's polling payloads and multipart uploads.
const OTHER_BODIES: &[&str] = &["/socket.io", "/media/"];

fn takes_other_bodies(path: &str) -> bool {
    OTHER_BODIES.iter().any(|prefix| path.starts_with(prefix))
}

/// Whether a request's body may be read as JSON: none at all (bodiless POSTs such as logout
/// send no type), or one declared `application/json`. A JSON route used to parse a body of any
/// type.
fn json_or_empty(request: &Request<Incoming>) -> bool {
    let headers = request.headers();
    let declared_empty = headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "0");
    let has_body = !declared_empty
        && (headers.contains_key(hyper::header::CONTENT_LENGTH)
            || headers.contains_key(hyper::header::TRANSFER_ENCODING));
    if !has_body {
        return true;
    }
    headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

async fn route(
    state: &Arc<Http>,
    ip: IpAddr,
    request: Request<Incoming>,
    found: Found<'_>,
) -> Resp {
    let answer = match found.route {
        None => Err(ApiError::NoRoute {
            method: request.method().clone(),
            path: route_path(request.uri().path()).to_owned(),
        }),
        Some(route) if route.weight == Weight::Heavy && state.shedder.is_active() => {
            Err(ApiError::Busy)
        }
        Some(route) if !takes_other_bodies(route.path) && !json_or_empty(&request) => {
            Err(ApiError::UnsupportedMediaType)
        }
        Some(route) => {
            let call = Call {
                ip,
                request,
                params: found.params,
            };
            (route.handler)(state.clone(), call).await
        }
    };
    answer.unwrap_or_else(ApiError::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_heavy(method: Method, path: &str) -> bool {
        TABLE
            .find(&method, path)
            .route
            .is_some_and(|r| r.weight == Weight::Heavy)
    }

    fn rate(method: Method, path: &str) -> RateClass {
        TABLE.find(&method, path).rate
    }

    #[test]
    fn only_heavy_routes_are_refused_while_shedding() {
        for path in ["/auth/guest", "/auth/link", "/auth/login", "/admin/login"] {
            assert!(is_heavy(Method::POST, path), "{path}");
        }
        for path in ["/room/queue", "/room/reel", "/room/history"] {
            assert!(is_heavy(Method::GET, path), "{path}");
        }
        assert!(is_heavy(Method::POST, "/media/selfie"));
        assert!(is_heavy(Method::POST, "/media/video"));
        assert!(!is_heavy(Method::GET, "/uploads/x.png"));
        assert!(!is_heavy(Method::GET, "/user/me"));
        assert!(!is_heavy(Method::GET, "/health"));
        assert!(!is_heavy(Method::POST, "/auth/logout"));
        assert!(!is_heavy(Method::GET, "/auth/guest"), "no such route");
        assert!(!is_heavy(Method::GET, "/socket.io"));
    }

    #[test]
    fn each_route_is_limited_like_its_mount_and_unknown_ones_too() {
        assert_eq!(rate(Method::POST, "/auth/login"), RateClass::Auth);
        assert_eq!(rate(Method::GET, "/auth/login"), RateClass::Auth);
        assert_eq!(rate(Method::GET, "/admin/anything"), RateClass::Auth);
        assert_eq!(rate(Method::POST, "/admin/login"), RateClass::Auth);
        assert_eq!(rate(Method::GET, "/admin/verify"), RateClass::Auth);
        assert_eq!(rate(Method::GET, "/user/me"), RateClass::Api);
        assert_eq!(rate(Method::DELETE, "/user/me"), RateClass::Api);
        assert_eq!(rate(Method::GET, "/media/x"), RateClass::Api);
        assert_eq!(rate(Method::GET, "/referral"), RateClass::Api);
        assert_eq!(rate(Method::GET, "/turn/credentials"), RateClass::Turn);
        assert_eq!(rate(Method::GET, "/turn/unknown"), RateClass::Turn);
        assert_eq!(rate(Method::GET, "/health"), RateClass::None);
        assert_eq!(rate(Method::POST, "/socket.io"), RateClass::None);
        assert_eq!(rate(Method::GET, "/nope"), RateClass::None);
        for route in TABLE.routes() {
            let top = route.path.split('/').nth(1).unwrap_or("");
            let mount = MOUNTS
                .iter()
                .find(|(m, _)| *m == top)
                .map_or(RateClass::None, |&(_, rate)| rate);
            assert_eq!(route.rate, mount, "{}", route.path);
        }
    }

    #[test]
    fn one_trailing_slash_is_ignored() {
        assert_eq!(route_path("/user/me/"), "/user/me");
        assert_eq!(route_path("/user/me"), "/user/me");
        assert_eq!(route_path("/"), "/");
        assert_eq!(route_path("/socket.io/"), "/socket.io");
        assert_eq!(route_path("/user/me//"), "/user/me/", "only one");
    }

    #[test]
    fn the_engine_io_path_takes_every_method() {
        for method in [Method::GET, Method::POST, Method::PUT] {
            assert!(TABLE.find(&method, "/socket.io").route.is_some());
        }
        assert!(TABLE.find(&Method::GET, "/socket.io/x").route.is_none());
    }
}
