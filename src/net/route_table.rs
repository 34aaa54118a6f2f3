//! The shape of the route table and its matcher: each route is declared once with its method,
//! its path (`{name}` segments capture parameters), its rate-limit class, whether load
//! shedding refuses it, and its handler. Paths are matched with `matchit` (axum's matcher).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use hyper::Method;

use super::call::{Answer, Call, PathParams};
use crate::net::Http;

/// Which limiter counts a request (the original's per-router limiters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateClass {
    /// Login attempts: counts failures only.
    Auth,
    /// Every authenticated API call.
    Api,
    /// Every `/report` call, 50 per hour per address by default.
    Report,
    /// `/turn`: not limited per IP by the router (everyone behind one NAT would share it);
    /// `GET /turn/credentials` limits per authenticated user itself.
    Turn,
    None,
}

/// Whether load shedding refuses a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Served while shedding: it costs little.
    Light,
    /// Refused while shedding: it hashes a password, creates records or builds a large answer.
    Heavy,
}

pub type HandlerFuture = Pin<Box<dyn Future<Output = Answer> + Send>>;
pub type Handler = fn(Arc<Http>, Call) -> HandlerFuture;

pub struct Route {
    /// `None`: every method (the route answers unsupported ones itself).
    pub method: Option<Method>,
    pub path: &'static str,
    pub rate: RateClass,
    pub weight: Weight,
    pub handler: Handler,
}

/// Declares a route: `route!(GET "/path/{param}", Api, Light => handler)`, or `ANY` for every
/// method. `handler` is an `async fn(&Arc<Http>, Call) -> Answer`.
macro_rules! route {
    (ANY $path:literal, $rate:ident, $weight:ident => $handler:path) => {
        $crate::net::route_table::route!(@ None, $path, $rate, $weight, $handler)
    };
    ($method:ident $path:literal, $rate:ident, $weight:ident => $handler:path) => {
        $crate::net::route_table::route!(
            @ Some(hyper::Method::$method), $path, $rate, $weight, $handler
        )
    };
    (@ $method:expr, $path:literal, $rate:ident, $weight:ident, $handler:path) => {
        $crate::net::route_table::Route {
            method: $method,
            path: $path,
            rate: $crate::net::route_table::RateClass::$rate,
            weight: $crate::net::route_table::Weight::$weight,
            handler: |state, call| Box::pin(async move { $handler(&state, call).await }),
        }
    };
}
pub(crate) use route;

/// What a request path and method found.
pub struct Found<'t> {
    /// `None`: no route has this method and path.
    pub route: Option<&'t Route>,
    pub params: PathParams,
    /// The route's class, or for an unknown route its mount's: a 404 under `/auth/` counts
    /// against the auth limiter like any other answer there.
    pub rate: RateClass,
}

pub struct Table {
    routes: Vec<Route>,
    /// Path -> the indexes of its routes in `routes`, one per method.
    paths: matchit::Router<Vec<usize>>,
    /// First path segment -> the class of unknown routes below it.
    mounts: &'static [(&'static str, RateClass)],
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("route {0} is declared twice")]
    Duplicate(String),
    #[error("route path {path}: {error}")]
    Path {
        path: &'static str,
        error: matchit::InsertError,
    },
}

impl Table {
    pub fn new(
        routes: Vec<Route>,
        mounts: &'static [(&'static str, RateClass)],
    ) -> Result<Self, TableError> {
        let mut by_path: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
        for (index, route) in routes.iter().enumerate() {
            let same_path = by_path.entry(route.path).or_default();
            let overlaps = same_path.iter().any(|&other| {
                let other = &routes[other].method;
                other.is_none() || route.method.is_none() || *other == route.method
            });
            if overlaps {
                return Err(TableError::Duplicate(route.path.to_owned()));
            }
            same_path.push(index);
        }
        let mut paths = matchit::Router::new();
        for (path, indexes) in by_path {
            paths
                .insert(path, indexes)
                .map_err(|error| TableError::Path { path, error })?;
        }
        Ok(Self {
            routes,
            paths,
            mounts,
        })
    }

    #[cfg(test)]
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    pub fn find(&self, method: &Method, path: &str) -> Found<'_> {
        let matched = self.paths.at(path).ok().and_then(|matched| {
            let route = matched
                .value
                .iter()
                .map(|&index| &self.routes[index])
                .find(|route| route.method.as_ref().is_none_or(|m| m == method))?;
            let params = matched
                .params
                .iter()
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect();
            Some((route, PathParams::new(params)))
        });
        match matched {
            Some((route, params)) => Found {
                route: Some(route),
                params,
                rate: route.rate,
            },
            None => Found {
                route: None,
                params: PathParams::default(),
                rate: self.mount_of(path),
            },
        }
    }

    fn mount_of(&self, path: &str) -> RateClass {
        let top = path.split('/').nth(1).unwrap_or("");
        self.mounts
            .iter()
            .find(|(mount, _)| *mount == top)
            .map_or(RateClass::None, |&(_, rate)| rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::respond::ok;

    async fn answer(_state: &Arc<Http>, _call: Call) -> Answer {
        Ok(ok(&serde_json::json!({})))
    }

    fn table(routes: Vec<Route>) -> Result<Table, TableError> {
        Table::new(routes, &[("things", RateClass::Api)])
    }

    #[test]
    fn parameters_are_captured_by_name() {
        let routes = vec![route!(GET "/things/review/{userId}", Api, Light => answer)];
        let table = table(routes).expect("valid");
        let found = table.find(&Method::GET, "/things/review/abc");
        assert_eq!(found.route.map(|r| r.path), Some("/things/review/{userId}"));
        assert_eq!(found.params.get("userId"), Some("abc"));
        assert!(table.find(&Method::GET, "/things/review").route.is_none());
    }

    #[test]
    fn unknown_routes_take_their_mounts_class() {
        let table = table(vec![route!(GET "/things", Api, Light => answer)]).expect("valid");
        let wrong_method = table.find(&Method::POST, "/things");
        assert!(wrong_method.route.is_none());
        assert_eq!(wrong_method.rate, RateClass::Api);
        assert_eq!(table.find(&Method::GET, "/things/x").rate, RateClass::Api);
        assert_eq!(table.find(&Method::GET, "/thingsx").rate, RateClass::None);
        assert_eq!(table.find(&Method::GET, "/").rate, RateClass::None);
    }

    #[test]
    fn a_route_declared_twice_is_refused() {
        let twice = table(vec![
            route!(GET "/things", Api, Light => answer),
            route!(GET "/things", Api, Heavy => answer),
        ]);
        assert!(matches!(twice, Err(TableError::Duplicate(_))));
        let any_and_get = table(vec![
            route!(ANY "/things", Api, Light => answer),
            route!(GET "/things", Api, Light => answer),
        ]);
        assert!(matches!(any_and_get, Err(TableError::Duplicate(_))));
        let two_methods = table(vec![
            route!(GET "/things", Api, Light => answer),
            route!(PUT "/things", Api, Light => answer),
        ])
        .expect("one path, two methods");
        assert!(table_has(&two_methods, Method::PUT, "/things"));
    }

    fn table_has(table: &Table, method: Method, path: &str) -> bool {
        table.find(&method, path).route.is_some()
    }
}
