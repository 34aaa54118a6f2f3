//! Every limit and threshold of the server: one root made of flattened groups, one file per
//! group, each with its own `--help` heading and its own checks.
//!
//! Each field is a `napalmsky serve` flag and a `NAPALMSKY_*` environment variable. Defaults
//! follow the original server where its value was sane (see `shared/reference`). A single bad
//! value is refused by the flag's value parser (`parse.rs`), so clap's message names the flag;
//! what depends on two flags is checked by the group's `validate`. A new route family adds its
//! group here; its flags appear in `--help` when its routes exist.

mod accounts;
mod limits;
mod media;
mod moderation;
mod net;
mod operations;
mod parse;
mod paywall;
mod realtime;
mod rules;
mod store;
mod sync;
mod turn;

pub use accounts::AccountsConfig;
pub use limits::LimitsConfig;
pub use media::MediaConfig;
pub use moderation::ModerationConfig;
pub use net::NetConfig;
pub use operations::OperationsConfig;
pub use parse::MAX_DURATION;
pub use paywall::PaywallConfig;
pub use realtime::RealtimeConfig;
pub use rules::{Paywall, RulesConfig};
pub use store::StoreConfig;
pub use sync::SyncConfig;
pub use turn::TurnConfig;

use clap::Args;

#[derive(Clone, Debug, Args)]
pub struct Config {
    #[command(flatten)]
    pub net: NetConfig,
    #[command(flatten)]
    pub store: StoreConfig,
    #[command(flatten)]
    pub realtime: RealtimeConfig,
    #[command(flatten)]
    pub rules: RulesConfig,
    #[command(flatten)]
    pub limits: LimitsConfig,
    #[command(flatten)]
    pub accounts: AccountsConfig,
    #[command(flatten)]
    pub moderation: ModerationConfig,
    #[command(flatten)]
    pub paywall: PaywallConfig,
    #[command(flatten)]
    pub media: MediaConfig,
    #[command(flatten)]
    pub turn: TurnConfig,
    #[command(flatten)]
    pub sync: SyncConfig,
    #[command(flatten)]
    pub operations: OperationsConfig,
}

/// A configuration that cannot work, with the flag to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid configuration: --{flag}: {problem}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub problem: String,
}

fn fail(flag: &'static str, problem: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError {
        flag,
        problem: problem.into(),
    })
}

impl Config {
    /// The defaults, as `napalmsky serve` with no flags and no environment would get them.
    pub fn defaults() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        // The defaults are literals in the groups; parsing them cannot fail.
        Only::parse_from(["napalmsky"]).config
    }

    /// Rejects combinations that would misbehave at run time, naming the flag. Single values
    /// were checked by the flags' parsers; a `Config` built in code is checked here again.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.net.validate()?;
        self.realtime.validate()?;
        self.rules.validate()?;
        self.paywall.validate()?;
        self.media.validate()?;
        self.turn.validate()?;
        self.sync.validate()?;
        self.operations.validate()
    }

    /// The realtime domain's thresholds.
    pub fn domain(&self) -> crate::domain::DomainConfig {
        self.rules.domain(&self.realtime)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::*;
    use crate::domain::DomainConfig;

    #[derive(Parser)]
    struct Only {
        #[command(flatten)]
        config: Config,
    }

    /// `napalmsky serve <flags>`'s parse: the error text, as the operator would see it.
    fn parse(flags: &[&str]) -> Result<Config, String> {
        let args = std::iter::once("napalmsky").chain(flags.iter().copied());
        Only::try_parse_from(args)
            .map(|only| only.config)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_valid_and_match_the_original() {
        let config = Config::defaults();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.net.listen.to_string(), "127.0.0.1:3001");
        assert_eq!(config.realtime.max_connections, 5000);
        assert_eq!(config.realtime.max_connections_per_user, 2);
        assert_eq!(config.realtime.connections_warning, 4000);
        let accounts = &config.accounts;
        assert_eq!(accounts.guest_session_ttl, Duration::from_secs(7 * 86_400));
        assert_eq!(
            accounts.permanent_session_ttl,
            Duration::from_secs(30 * 86_400)
        );
        assert_eq!(config.limits.auth_rate_limit, 6);
        assert_eq!(config.limits.auth_rate_window, Duration::from_secs(600));
        assert_eq!(config.limits.api_rate_limit, 500);
        assert_eq!(config.realtime.presence_interval, Duration::from_secs(2));
    }

    #[test]
    fn the_default_flags_give_the_domains_defaults() {
        assert_eq!(Config::defaults().domain(), DomainConfig::default());
    }

    #[test]
    fn a_bad_single_value_is_refused_by_its_flag() {
        let cases: [(&[&str], &str); 5] = [
            (&["--max-connections", "0"], "--max-connections"),
            (&["--sync-batch-size", "0"], "--sync-batch-size"),
            (&["--invite-ttl", "0s"], "--invite-ttl"),
            (
                &["--permanent-session-ttl", "3651d"],
                "--permanent-session-ttl",
            ),
            (&["--argon2-memory-kib", "4"], "--argon2-memory-kib"),
        ];
        for (flags, flag) in cases {
            let error = parse(flags).expect_err("must be refused");
            assert!(error.contains(flag), "{flags:?}: {error}");
        }
        let error = parse(&["--call-cooldown", "100000000d"]).expect_err("too long");
        assert!(error.contains("--call-cooldown"), "{error}");
        assert!(
            parse(&["--call-cooldown", "0s"]).is_ok(),
            "no cooldown is allowed"
        );
    }

    #[test]
    fn bad_combinations_name_the_flag() {
        let flag = |flags: &[&str]| parse(flags).expect("parses").validate().unwrap_err().flag;
        assert_eq!(
            flag(&["--connections-warning", "5001"]),
            "connections-warning"
        );
        assert_eq!(flag(&["--memory-warning-mb", "2000"]), "memory-warning-mb");
        assert_eq!(
            flag(&["--allowed-origins", "localhost:3000"]),
            "allowed-origins"
        );
        assert_eq!(flag(&["--min-call-seconds", "2000"]), "min-call-seconds");
        let config = parse(&["--postgres-url", "mysql://secret@host"]).expect("parses");
        let err = config.validate().unwrap_err();
        assert_eq!(err.flag, "postgres-url");
        assert!(!err.to_string().contains("secret"));
    }

    #[test]
    fn turn_flags_are_checked_together() {
        let flag = |flags: &[&str]| parse(flags).expect("parses").validate().unwrap_err().flag;
        assert_eq!(flag(&["--turn-secret", "s"]), "turn-urls");
        assert_eq!(flag(&["--turn-urls", "turn:127.0.0.1:3478"]), "turn-secret");
        assert_eq!(
            flag(&["--turn-secret", "", "--turn-urls", "turn:a"]),
            "turn-secret"
        );
        let both = [
            "--turn-secret",
            "sekrit-value",
            "--turn-urls",
            "turn:a:3478, turns:a:5349",
        ];
        let config = parse(&both).expect("parses");
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.turn.turn_urls, ["turn:a:3478", "turns:a:5349"]);
        assert_eq!(config.turn.turn_ttl, Duration::from_secs(3600));
        assert_eq!(config.turn.stun_urls, ["stun:stun.l.google.com:19302"]);
        assert!(
            !format!("{config:?}").contains("sekrit"),
            "the secret is never printed"
        );
        for ttl in ["59s", "25h"] {
            let config = parse(&[&both[..], &["--turn-ttl", ttl]].concat()).expect("parses");
            assert_eq!(config.validate().unwrap_err().flag, "turn-ttl", "{ttl}");
        }
        let error = parse(&["--turn-urls", "stun:a"]).expect_err("wrong scheme");
        assert!(error.contains("--turn-urls"), "{error}");
        let error = parse(&["--stun-urls", "stun:a,turn:b"]).expect_err("wrong scheme");
        assert!(error.contains("--stun-urls"), "{error}");
        let mut built = Config::defaults();
        built.turn.stun_urls = vec!["http://x".into()];
        assert_eq!(built.validate().unwrap_err().flag, "stun-urls");
    }

    #[test]
    fn every_family_shows_its_flags_in_the_help() {
        use clap::CommandFactory;
        let help = Only::command().render_long_help().to_string();
        for shown in [
            "--report-rate-limit",
            "--auto-ban-reporters",
            "--shared-address-window",
            "--upload-limit",
            "--public-url",
            "--turn-rate-limit",
            "--turn-secret",
            "--stun-urls",
        ] {
            assert!(help.contains(shown), "{shown} is missing");
        }
        for heading in [
            "Network:",
            "Realtime:",
            "Matchmaking rules:",
            "Moderation:",
            "Media:",
            "Operations:",
            "TURN:",
        ] {
            assert!(help.contains(heading), "{heading} missing");
        }
        assert!(help.contains("--invite-ttl"));
    }
}
