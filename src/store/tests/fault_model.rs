//! The storage-fault tests' model of what the store promised: for each key, the value of its
//! last acknowledged write and the values of writes whose fate the store could not know.
//!
//! A write answered `Ok` is durable and must be found until a later write replaces it. A
//! write answered `Failed` or `Closed` was in a commit that failed (or never ran): it may or
//! may not be on disk, since a commit can fail after its bytes reached the disk. A write
//! answered with any other error was rolled back with its batch and must never be found.
//! Nothing the test did not submit may ever be found.

use std::collections::BTreeMap;

use crate::store::StoreError;

/// A stored value as the test sees it: the user's name, or the session's device text.
pub type Value = String;

/// How the store answered one write, as far as durability goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Durable,
    Unknown,
    RolledBack,
}

impl Fate {
    pub fn of<T>(answer: &Result<T, StoreError>) -> Self {
        match answer {
            Ok(_) => Fate::Durable,
            Err(StoreError::Failed | StoreError::Closed) => Fate::Unknown,
            Err(_) => Fate::RolledBack,
        }
    }
}

#[derive(Default, Debug)]
struct History {
    acknowledged: Option<Value>,
    /// Submitted after the acknowledged value and not rolled back (including in flight).
    maybe: Vec<Value>,
}

/// Keys are the test's own names for records (`"user 3"`, `"session 3"`).
#[derive(Default, Debug)]
pub struct Model {
    keys: BTreeMap<String, History>,
}

impl Model {
    /// A write of `value` to `key` is about to be submitted: until it is answered, a read may
    /// see it or the value before it.
    pub fn submitted(&mut self, key: &str, value: &str) {
        let history = self.keys.entry(key.to_owned()).or_default();
        history.maybe.push(value.to_owned());
    }

    pub fn answered(&mut self, key: &str, value: &str, fate: Fate) {
        let history = self
            .keys
            .get_mut(key)
            .expect("answered writes were submitted");
        match fate {
            Fate::Durable => {
                history.acknowledged = Some(value.to_owned());
                history.maybe.clear();
            }
            Fate::Unknown => {}
            Fate::RolledBack => history.maybe.retain(|v| v != value),
        }
    }

    pub fn acknowledged(&self, key: &str) -> Option<&Value> {
        self.keys.get(key).and_then(|h| h.acknowledged.as_ref())
    }

    /// Whether `found` (`None`: no record) is something the store may hold for `key` now.
    pub fn allows(&self, key: &str, found: Option<&str>) -> bool {
        let Some(history) = self.keys.get(key) else {
            return found.is_none();
        };
        match found {
            None => history.acknowledged.is_none(),
            Some(found) => {
                history.acknowledged.as_deref() == Some(found)
                    || history.maybe.iter().any(|v| v == found)
            }
        }
    }

    pub fn any_acknowledged(&self) -> bool {
        self.keys.values().any(|h| h.acknowledged.is_some())
    }

    /// What may be found for `key`, for failure messages.
    pub fn describe(&self, key: &str) -> String {
        match self.keys.get(key) {
            None => "never written".to_owned(),
            Some(h) => format!("acknowledged {:?}, maybe {:?}", h.acknowledged, h.maybe),
        }
    }
}

#[test]
fn a_model_allows_exactly_the_acknowledged_value_and_the_uncertain_ones() {
    let mut model = Model::default();
    assert!(model.allows("k", None) && !model.allows("k", Some("a")));

    model.submitted("k", "a");
    assert!(
        model.allows("k", None) && model.allows("k", Some("a")),
        "in flight"
    );
    model.answered("k", "a", Fate::Durable);
    assert!(!model.allows("k", None) && model.allows("k", Some("a")));

    model.submitted("k", "b");
    model.answered("k", "b", Fate::RolledBack);
    assert!(
        !model.allows("k", Some("b")),
        "a rolled-back value never shows"
    );

    model.submitted("k", "c");
    model.answered("k", "c", Fate::Unknown);
    assert!(model.allows("k", Some("a")) && model.allows("k", Some("c")));
    assert!(
        !model.allows("k", None),
        "an acknowledged value is never lost"
    );
}
