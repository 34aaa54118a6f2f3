//! Who may use the matchmaking: the original's three statuses of access, and what the API
//! says when the paywall is off.

use crate::store::records::{ArchivedPaidStatus, PaidStatus};

/// `paid`, `qr_verified` and `qr_grace_period` have access (the original's `requirePayment`).
pub fn has_access(status: PaidStatus) -> bool {
    matches!(
        status,
        PaidStatus::Paid | PaidStatus::QrVerified | PaidStatus::QrGracePeriod
    )
}

/// `has_access` on a stored record read in place.
pub fn archived_has_access(status: &ArchivedPaidStatus) -> bool {
    !matches!(status, ArchivedPaidStatus::Unpaid)
}

/// The status the API shows. With the paywall off everyone has access, and the client must
/// be told so, or it sends every new user to its paywall page (it gates on this field); the
/// stored status is kept, so turning the paywall back on restores what each user paid for.
pub fn effective_status(stored: PaidStatus, paywall_on: bool) -> PaidStatus {
    if paywall_on || has_access(stored) {
        stored
    } else {
        PaidStatus::Paid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unpaid_lacks_access_and_an_open_paywall_shows_it_paid() {
        assert!(!has_access(PaidStatus::Unpaid));
        for status in [
            PaidStatus::Paid,
            PaidStatus::QrVerified,
            PaidStatus::QrGracePeriod,
        ] {
            assert!(has_access(status));
            assert_eq!(effective_status(status, false), status);
        }
        assert_eq!(
            effective_status(PaidStatus::Unpaid, true),
            PaidStatus::Unpaid
        );
        assert_eq!(
            effective_status(PaidStatus::Unpaid, false),
            PaidStatus::Paid
        );
    }
}
