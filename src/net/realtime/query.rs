//! The Engine.IO query string: `EIO=4&transport=websocket|polling[&sid=...]`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    Polling,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineQuery {
    pub transport: Transport,
    pub sid: Option<String>,
}

impl EngineQuery {
    pub fn parse(query: Option<&str>) -> Result<Self, &'static str> {
        let mut eio = None;
        let mut transport = None;
        let mut sid = None;
        for pair in query.unwrap_or("").split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "EIO" => eio = Some(value),
                "transport" => transport = Some(value),
                "sid" if !value.is_empty() && value.len() <= 64 => sid = Some(value.to_owned()),
                _ => {}
            }
        }
        if eio != Some("4") {
            return Err("Unsupported protocol version");
        }
        let transport = match transport {
            Some("websocket") => Transport::WebSocket,
            Some("polling") => Transport::Polling,
            _ => return Err("Transport unknown"),
        };
        Ok(Self { transport, sid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_clients_queries() {
        let q = EngineQuery::parse(Some("EIO=4&transport=polling&t=abc")).expect("ok");
        assert_eq!(
            q,
            EngineQuery {
                transport: Transport::Polling,
                sid: None
            }
        );
        let q = EngineQuery::parse(Some("EIO=4&transport=websocket&sid=xyz")).expect("ok");
        assert_eq!(q.sid.as_deref(), Some("xyz"));
        assert!(EngineQuery::parse(Some("EIO=3&transport=polling")).is_err());
        assert!(EngineQuery::parse(Some("EIO=4&transport=flash")).is_err());
        assert!(EngineQuery::parse(None).is_err());
    }
}
