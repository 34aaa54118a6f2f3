//! The id type record keys are made of, and the outbox keys made of two ids.

/// 16 raw bytes of a UUID: user ids, session tokens, room ids.
pub type Id = [u8; 16];

/// The 32-byte outbox key of two ids (cooldown pairs, completions).
pub fn pair_key(a: &Id, b: &Id) -> Vec<u8> {
    [a.as_slice(), b.as_slice()].concat()
}

/// The inverse of `pair_key`; `None` for a key of another length.
pub fn split_pair(key: &[u8]) -> Option<(Id, Id)> {
    let (a, b) = key.split_at_checked(16)?;
    Some((a.try_into().ok()?, b.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_key_splits_back_and_other_lengths_are_refused() {
        let (a, b) = ([1; 16], [2; 16]);
        assert_eq!(split_pair(&pair_key(&a, &b)), Some((a, b)));
        assert_eq!(split_pair(&[0; 31]), None);
        assert_eq!(split_pair(&[0; 33]), None);
    }
}
