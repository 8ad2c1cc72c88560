//! What the client and the offline fake of the API must agree on, in one place: how an id the
//! server sent as a number is shown (a string), and how personal data is masked in anything
//! that may be printed or logged. The client applies these rules to what it returns; the fake
//! applies them to its ground truth and its own debug output, so tests compare like with like.

pub mod ids {
    //! Ids as strings, whatever type the server chose.

    use serde_json::Value;

    /// Rewrites, in place and at any depth, every `id` and `*_id` field sent as a whole number into
    /// a string, so that callers see one type whatever the server chose (the API reference's open
    /// question 1). A number with a fraction is no id and stays as it came.
    pub fn normalize_ids(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    if is_id_key(key) {
                        if let Some(id) = field.as_number().and_then(number_to_id) {
                            *field = Value::String(id);
                            continue;
                        }
                    }
                    normalize_ids(field);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(normalize_ids),
            _ => {}
        }
    }

    /// Whether a key names an id: `id` or `*_id`.
    pub fn is_id_key(key: &str) -> bool {
        key == "id" || key.ends_with("_id")
    }

    fn number_to_id(n: &serde_json::Number) -> Option<String> {
        if let Some(i) = n.as_i64() {
            return Some(i.to_string());
        }
        if let Some(u) = n.as_u64() {
            return Some(u.to_string());
        }
        n.as_f64().and_then(float_id)
    }

    /// A float as an id: `123.0` is the id "123" (written as Python's `str(int(x))` would);
    /// a float with a fraction, or too large to be exact, is no id.
    pub fn float_id(f: f64) -> Option<String> {
        (f.fract() == 0.0 && f.abs() < 1e38).then(|| (f as i128).to_string())
    }
}

pub mod mask {
    //! Masked forms of personal data, for reprs, logs, errors and reports.

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
}
