//! A request as a route handler receives it: the client's address, the request, and the
//! parameters its route's path captured.

use std::net::IpAddr;

use hyper::Request;
use hyper::body::Incoming;

pub struct Call {
    pub ip: IpAddr,
    pub request: Request<Incoming>,
    pub params: PathParams,
}

/// The `{name}` segments of a route's path, by name. Owned: a handler outlives the router's
/// borrow of the path. Empty (and allocation-free) for routes without parameters.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathParams(Vec<(String, String)>);

impl PathParams {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What every handler returns: its answer, or the error that answers instead.
pub type Answer = Result<super::respond::Resp, super::error::ApiError>;
