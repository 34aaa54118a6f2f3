//! What an import did, per source table: rows read, imported, imported with a change, and
//! skipped, each change and skip with its reason. Nothing is dropped without a line here.

use std::collections::BTreeMap;
use std::fmt;

/// At most this many problems are listed one by one per table; the rest are only counted.
const MAX_LISTED: usize = 1_000;

/// One row that was skipped or imported with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The row's primary key in the source table.
    pub key: String,
    pub reason: String,
    /// True if the row was not imported; false if it was imported with a change.
    pub skipped: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableReport {
    pub table: &'static str,
    /// Whether the source database has this table at all.
    pub present: bool,
    pub read: u64,
    pub imported: u64,
    /// Rows not imported, counted by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Rows imported with a change (a field cleared, cut or defaulted), counted by reason.
    pub adjusted: BTreeMap<String, u64>,
    /// The individual rows behind `skipped` and `adjusted` (capped; see `unlisted`).
    pub problems: Vec<Problem>,
    /// Problems counted but not listed in `problems`.
    pub unlisted: u64,
    /// For tables the store cannot hold yet: how the rows were still used, if at all.
    pub note: Option<String>,
    /// Only counted (no record type for it yet): the note says it all.
    pub counted_only: bool,
}

impl TableReport {
    pub fn new(table: &'static str) -> Self {
        Self {
            table,
            present: true,
            ..Self::default()
        }
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub fn adjusted_total(&self) -> u64 {
        self.adjusted.values().sum()
    }

    /// A row not imported, listed with its key. `reason` is the category counted; `detail`
    /// adds row-specific facts to the listed problem.
    pub(super) fn skip(&mut self, key: impl fmt::Display, reason: &str, detail: Option<String>) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
        self.list(key, reason, detail, true);
    }

    /// A row not imported for a routine reason (expired), counted but not listed.
    pub(super) fn skip_unlisted(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
    }

    /// A row imported with a change.
    pub(super) fn adjust(&mut self, key: impl fmt::Display, reason: &str, detail: Option<String>) {
        *self.adjusted.entry(reason.to_owned()).or_default() += 1;
        self.list(key, reason, detail, false);
    }

    fn list(
        &mut self,
        key: impl fmt::Display,
        reason: &str,
        detail: Option<String>,
        skipped: bool,
    ) {
        if self.problems.len() >= MAX_LISTED {
            self.unlisted += 1;
            return;
        }
        let reason = match detail {
            Some(detail) => format!("{reason} ({detail})"),
            None => reason.to_owned(),
        };
        self.problems.push(Problem {
            key: key.to_string(),
            reason,
            skipped,
        });
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// One entry per source table, in import order.
    pub tables: Vec<TableReport>,
}

impl ImportReport {
    pub fn table(&self, name: &str) -> Option<&TableReport> {
        self.tables.iter().find(|t| t.table == name)
    }

    pub(super) fn table_mut(&mut self, name: &'static str) -> &mut TableReport {
        match self.tables.iter().position(|t| t.table == name) {
            Some(index) => &mut self.tables[index],
            None => {
                self.tables.push(TableReport::new(name));
                let last = self.tables.len() - 1;
                &mut self.tables[last]
            }
        }
    }
}

impl fmt::Display for TableReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.present {
            return writeln!(f, "{}: table absent from the source", self.table);
        }
        if self.counted_only
            && let Some(note) = &self.note
        {
            return writeln!(f, "{}: {note}", self.table);
        }
        writeln!(
            f,
            "{}: read {}, imported {}, skipped {}, changes {}",
            self.table,
            self.read,
            self.imported,
            self.skipped_total(),
            self.adjusted_total()
        )?;
        if let Some(note) = &self.note {
            writeln!(f, "    {note}")?;
        }
        for (reason, count) in &self.skipped {
            writeln!(f, "    skipped {count}: {reason}")?;
        }
        for (reason, count) in &self.adjusted {
            writeln!(f, "    adjusted {count}: {reason}")?;
        }
        for problem in &self.problems {
            let what = if problem.skipped {
                "skipped"
            } else {
                "adjusted"
            };
            writeln!(
                f,
                "    {} {} {what}: {}",
                self.table, problem.key, problem.reason
            )?;
        }
        if self.unlisted > 0 {
            writeln!(f, "    ... and {} more not listed", self.unlisted)?;
        }
        Ok(())
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for table in &self.tables {
            write!(f, "{table}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_reason_and_lists_rows() {
        let mut table = TableReport::new("sessions");
        table.read = 4;
        table.imported = 1;
        table.skip("t1", "user not imported", None);
        table.skip_unlisted("expired");
        table.skip_unlisted("expired");
        table.adjust("t2", "no IP address", Some("set to unknown".into()));
        assert_eq!(table.skipped_total(), 3);
        assert_eq!(table.adjusted_total(), 1);
        assert_eq!(table.problems.len(), 2);
        let text = table.to_string();
        assert!(text.contains("sessions: read 4, imported 1, skipped 3, changes 1"));
        assert!(text.contains("skipped 2: expired"));
        assert!(text.contains("sessions t1 skipped: user not imported"));
        assert!(text.contains("sessions t2 adjusted: no IP address (set to unknown)"));
    }

    #[test]
    fn listing_is_capped_but_counting_is_not() {
        let mut table = TableReport::new("users");
        for i in 0..(MAX_LISTED + 5) {
            table.skip(i, "bad", None);
        }
        assert_eq!(table.problems.len(), MAX_LISTED);
        assert_eq!(table.unlisted, 5);
        assert_eq!(table.skipped["bad"], (MAX_LISTED + 5) as u64);
    }
}
