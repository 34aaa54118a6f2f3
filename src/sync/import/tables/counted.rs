//! Tables of the original that hold nothing to import: counted and reported.

use super::table::Import;

pub(super) const COUNTED_ONLY: &[(&str, &str)] = &[("audit_log", "unused by the original server")];

impl Import<'_, '_> {
    pub(super) async fn count_only(
        &mut self,
        table: &'static str,
        reason: &str,
    ) -> anyhow::Result<()> {
        if !self.present(table) {
            return Ok(());
        }
        let row = self
            .src
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await?;
        let count = u64::try_from(row.try_get::<_, i64>(0)?).unwrap_or(0);
        let report = self.report.table_mut(table);
        report.read = count;
        if count > 0 {
            report.skipped.insert(reason.to_owned(), count);
        }
        report.note = Some(format!("{count} rows not imported: {reason}"));
        report.counted_only = true;
        eprintln!("import: {table}: {count} rows not imported: {reason}");
        Ok(())
    }
}
