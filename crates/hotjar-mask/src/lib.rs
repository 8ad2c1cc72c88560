//! How personal data is masked wherever it may be shown (a repr, a log line, an error, a
//! report), in one place for the client and the offline fake of the API, so that what one
//! shows and what the other's tests expect can never disagree.

/// `jane@example.com` -> `j***@example.com`. The domain stays whole (it says which provider,
/// not who); a one-character local part is hidden entirely. Text without an `@` keeps at
/// most its first character.
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let mut chars = local.chars();
            match (chars.next(), chars.next()) {
                (Some(first), Some(_)) => format!("{first}***@{domain}"),
                _ => format!("***@{domain}"),
            }
        }
        None => mask_user_id(email),
    }
}

/// `cust_12345` -> `c***`; ids of three characters or fewer are hidden entirely.
pub fn mask_user_id(user_id: &str) -> String {
    let mut chars = user_id.chars();
    match chars.next() {
        Some(first) if user_id.chars().count() > 3 => format!("{first}***"),
        _ => "***".to_string(),
    }
}
