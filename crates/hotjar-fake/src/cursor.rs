//! The fake's cursors: opaque strings that carry a position and a check value, so that a cursor
//! that was edited, truncated, or taken from another list is refused with a 400, as the real API
//! probably does.

use super::dataset::mix;

/// The scope of the survey list; response lists use the survey index + 1.
pub const SURVEYS: u64 = 0;

fn check(seed: u64, scope: u64, offset: u64) -> u32 {
    (mix(&[seed, scope, offset, 3]) & 0xFFFF_FFFF) as u32
}

pub fn encode(seed: u64, scope: u64, offset: usize) -> String {
    let offset = offset as u64;
    let mut bytes = Vec::with_capacity(20);
    bytes.extend_from_slice(&scope.to_le_bytes());
    bytes.extend_from_slice(&offset.to_le_bytes());
    bytes.extend_from_slice(&check(seed, scope, offset).to_le_bytes());
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The offset a cursor points at, if it is one of ours for this scope.
pub fn decode(seed: u64, text: &str, scope: u64) -> Option<usize> {
    if text.len() != 40 || !text.is_ascii() {
        return None;
    }
    let bytes: Vec<u8> = (0..20)
        .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok())
        .collect::<Option<_>>()?;
    let word = |range: std::ops::Range<usize>| -> Option<u64> {
        let mut buf = [0u8; 8];
        buf[..range.len()].copy_from_slice(bytes.get(range)?);
        Some(u64::from_le_bytes(buf))
    };
    let (found_scope, offset, found_check) = (word(0..8)?, word(8..16)?, word(16..20)?);
    (found_scope == scope && found_check == u64::from(check(seed, scope, offset)))
        .then(|| usize::try_from(offset).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let c = encode(7, 3, 1200);
        assert_eq!(decode(7, &c, 3), Some(1200));
        assert_eq!(decode(7, &c, 4), None, "other list");
        assert_eq!(decode(8, &c, 3), None, "other fake");
        let mut edited = c.clone();
        edited.replace_range(16..18, "ff");
        assert_eq!(decode(7, &edited, 3), None);
        assert_eq!(decode(7, "not-a-cursor", 3), None);
        assert_eq!(decode(7, &"é".repeat(20), 3), None);
    }
}
