//! Property tests ("fuzzing") of everything that reads bytes or text from outside: page bodies,
//! ids, timestamps, error bodies. Inputs are arbitrary, or real pages of the fake mutated byte
//! by byte (cut short, bytes changed, inserted, removed, spans doubled). Every input must give
//! a value or an error, never a panic; where serde_json can act as a reference, the page reader
//! must agree with it.
//!
//! `cargo test` runs a bounded number of cases per property (a few seconds in all). A long local
//! run: `PROPTEST_CASES=200000 cargo test --release --lib fuzz`.

use std::sync::OnceLock;

use bytes::Bytes;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use crate::endpoint::Endpoint;
use crate::error::{server_message, ErrorKind};
use crate::ids::{float_id, normalize_ids, Id, IdKind};
use crate::page_index::IndexedPage;
use crate::timestamps::{parse_api_timestamp, parse_since};
use hotjar_fake::{Dataset, DatasetConfig, IdStyle};

/// `cases` per property, or `PROPTEST_CASES` when set. Failures are not persisted to files:
/// the shrunk input is in the test's panic message.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn endpoint() -> Endpoint {
    Endpoint::Responses {
        site: Id::parse(IdKind::Site, "987654").unwrap_or_else(|e| panic!("{e}")),
        survey: Id::parse(IdKind::Survey, "1234560").unwrap_or_else(|e| panic!("{e}")),
    }
}

/// Real response pages as the fake sends them: string and numeric ids, with and without
/// unknown fields, every question type, unicode, nulls.
fn real_pages() -> &'static [Vec<u8>] {
    static PAGES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    PAGES.get_or_init(|| {
        let mut pages = Vec::new();
        for (id_style, extra_fields) in [
            (IdStyle::Digits, false),
            (IdStyle::Numeric, true),
            (IdStyle::Opaque, false),
        ] {
            let dataset = Dataset::new(DatasetConfig {
                seed: 3,
                site_id: "987654".into(),
                responses_per_survey: vec![6, 3, 0, 5, 4],
                id_style,
                extra_fields,
            });
            for survey in 0..5 {
                let mut body = br#"{"results":"#.to_vec();
                if dataset
                    .write_responses_page(survey, 0, 100, &Default::default(), &mut body)
                    .is_err()
                {
                    continue;
                }
                body.extend_from_slice(br#","next_cursor":"0100000000000000640000000000"}"#);
                pages.push(body);
            }
        }
        pages
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Replace(Index, u8),
    Insert(Index, u8),
    Remove(Index, usize),
    Duplicate(Index, usize),
}

/// Bytes that matter to JSON, and any byte at all.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => proptest::sample::select(b"{}[],:\"\\0123456789-+.eEtrufalsn \n\x00\xff".to_vec()),
        1 => any::<u8>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<Index>().prop_map(Mutation::Truncate),
        3 => (any::<Index>(), byte()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        3 => (any::<Index>(), byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => (any::<Index>(), 1..40usize).prop_map(|(i, n)| Mutation::Remove(i, n)),
        1 => (any::<Index>(), 1..60usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(body: &mut Vec<u8>, mutation: &Mutation) {
    let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
    match mutation {
        Mutation::Truncate(i) => body.truncate(at(i, body.len())),
        Mutation::Replace(i, b) if !body.is_empty() => {
            let i = i.index(body.len());
            body[i] = *b;
        }
        Mutation::Replace(..) => {}
        Mutation::Insert(i, b) => body.insert(at(i, body.len()), *b),
        Mutation::Remove(i, n) => {
            let start = at(i, body.len());
            let end = (start + n).min(body.len());
            body.drain(start..end);
        }
        Mutation::Duplicate(i, n) => {
            let start = at(i, body.len());
            let end = (start + n).min(body.len());
            let span = body[start..end].to_vec();
            body.splice(end..end, span);
        }
    }
}

/// What serde_json says the page's items are, if the body is a page at all.
fn reference_results(body: &[u8]) -> Option<Vec<Value>> {
    let Ok(Value::Object(page)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    match page.get("next_cursor") {
        None | Some(Value::Null | Value::String(_) | Value::Number(_)) => {}
        Some(_) => return None,
    }
    let items = match page.get("results")? {
        Value::Null => Vec::new(),
        Value::Array(items) if items.iter().all(Value::is_object) => items.clone(),
        _ => return None,
    };
    Some(items)
}

/// The page reader on `body`: never a panic; an error is an `InvalidResponse`; a page read
/// agrees with serde_json on the items, their ids and their times.
fn check_page(body: &[u8]) -> Result<(), TestCaseError> {
    let reference = reference_results(body);
    let page = match IndexedPage::parse(Bytes::copy_from_slice(body), &endpoint()) {
        Ok(page) => page,
        Err(error) => {
            prop_assert_eq!(error.kind(), ErrorKind::InvalidResponse);
            // serde_json finds a page where the reader found none: only when a key of the
            // envelope comes twice (serde_json keeps the last; the reader refuses a doubled
            // `results`, and stops at the first `next_cursor` of the wrong type). Found by a
            // run of 1,000,000 cases: a mutation that doubled `"next_cursor":`.
            if reference.is_some() {
                let text = String::from_utf8_lossy(body);
                prop_assert!(
                    error.message().contains("appears twice")
                        || text.matches("\"next_cursor\"").count() > 1,
                    "refused a page serde_json reads: {}",
                    error
                );
            }
            return Ok(());
        }
    };
    let Some(mut expected) = reference else {
        // The reader skips what it does not need: it checks a skipped string's escapes but
        // not that surrogates pair up, so only that divergence from serde_json is allowed,
        // and only outside the items (the full decode checks every item).
        let refusal = serde_json::from_slice::<Value>(body)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let values = page.to_values(None);
        prop_assert!(
            values.is_err() || refusal.contains("surrogate") || refusal.contains("code point"),
            "read a page serde_json refuses ({}): {}",
            refusal,
            String::from_utf8_lossy(body)
        );
        return Ok(());
    };
    expected.iter_mut().for_each(normalize_ids);
    let values = page.to_values(None);
    prop_assert!(values.is_ok(), "{:?}", values.err());
    let values = values.unwrap_or_default();
    prop_assert_eq!(&values, &expected);
    prop_assert_eq!(page.items.len(), values.len());
    for (meta, value) in page.items.iter().zip(&values) {
        match value.get("id") {
            Some(Value::String(id)) => prop_assert_eq!(meta.id.as_deref(), Some(id.as_str())),
            Some(Value::Number(_)) => prop_assert!(meta.id.is_some()),
            _ => prop_assert_eq!(&meta.id, &None),
        }
        let created = value.get("created_time").and_then(Value::as_str);
        prop_assert_eq!(meta.created_time.as_deref(), created);
    }
    // Keeping a subset keeps exactly those items.
    let keep: Vec<bool> = (0..values.len()).map(|i| i % 2 == 0).collect();
    let kept = page.to_values(Some(&keep));
    prop_assert!(kept.is_ok());
    let odd_out: Vec<Value> = values.iter().step_by(2).cloned().collect();
    prop_assert_eq!(kept.unwrap_or_default(), odd_out);
    Ok(())
}

/// Any JSON value, a few levels deep, with id-like keys and awkward numbers.
/// `Id::parse` accepts `text` exactly when it is `valid`, as its trimmed self; otherwise the
/// error is a configuration error that names the argument (`site_id`, `survey_id`...).
fn parses_exactly_when_valid(
    kind: IdKind,
    text: &str,
    valid: bool,
) -> Result<Option<Id>, TestCaseError> {
    match Id::parse(kind, text) {
        Ok(id) => {
            prop_assert!(valid);
            prop_assert_eq!(id.as_str(), text.trim());
            Ok(Some(id))
        }
        Err(error) => {
            prop_assert!(!valid);
            prop_assert_eq!(error.kind(), ErrorKind::Configuration);
            prop_assert!(error.message().starts_with(kind.param()));
            Ok(None)
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from), // NaN and infinities become null
        proptest::sample::select(vec![0.0, -0.0, 1.0, 1e300, 2.5e-8, 9007199254740993.0])
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            proptest::sample::select(vec![
                "id",
                "question_id",
                "x_id",
                "_id",
                "ids",
                "created_time",
                "results",
                "next_cursor"
            ])
            .prop_map(str::to_string),
            any::<String>(),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn arbitrary_bytes_never_panic_the_page_reader(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_page(&body)?;
    }

    #[test]
    fn mutated_real_pages_never_panic_and_agree_with_serde_json(
        page in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..8),
    ) {
        let pages = real_pages();
        let mut body = pages[page.index(pages.len())].clone();
        for m in &mutations {
            apply(&mut body, m);
        }
        check_page(&body)?;
    }

    #[test]
    fn arbitrary_json_pages_are_read_like_serde_json(
        items in proptest::collection::vec(json_value(), 0..6),
        cursor in json_value(),
        wrap_items in any::<bool>(),
    ) {
        let items: Vec<Value> = items
            .into_iter()
            .map(|v| if wrap_items && !v.is_object() { serde_json::json!({"id": v}) } else { v })
            .collect();
        let body = serde_json::json!({"results": items, "next_cursor": cursor}).to_string();
        check_page(body.as_bytes())?;
    }

    #[test]
    fn normalising_ids_is_total_and_idempotent(mut value in json_value()) {
        normalize_ids(&mut value);
        let once = value.clone();
        normalize_ids(&mut value);
        prop_assert_eq!(value, once);
    }

    #[test]
    fn site_ids_from_text_are_digits_or_a_configuration_error(text in any::<String>()) {
        let trimmed = text.trim();
        let valid = !trimmed.is_empty()
            && trimmed.len() <= 20
            && trimmed.bytes().all(|b| b.is_ascii_digit())
            && trimmed.bytes().any(|b| b != b'0');
        parses_exactly_when_valid(IdKind::Site, &text, valid)?;
    }

    #[test]
    fn survey_ids_from_text_are_opaque_unless_they_cannot_be_ids(text in any::<String>()) {
        let trimmed = text.trim();
        let valid = !trimmed.is_empty()
            && trimmed.chars().count() <= crate::ids::MAX_ID_CHARS
            && !trimmed.contains('/')
            && !trimmed.chars().any(|c| c.is_control() || c.is_whitespace());
        if let Some(id) = parses_exactly_when_valid(IdKind::Survey, &text, valid)? {
            // One path segment whatever the id holds.
            let segment = id.path_segment();
            prop_assert!(segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
            let decoded = percent_encoding::percent_decode_str(&segment)
                .decode_utf8()
                .map(|d| d.into_owned())
                .unwrap_or_default();
            prop_assert_eq!(decoded.as_str(), trimmed);
        }
    }

    #[test]
    fn ids_from_ints_are_positive(n in any::<i128>()) {
        let id = Id::from_i128(IdKind::Site, n);
        prop_assert_eq!(id.is_ok(), n > 0 && n.to_string().len() <= 20);
    }

    #[test]
    fn float_ids_are_exact_whole_numbers(f in any::<f64>()) {
        if let Some(text) = float_id(f) {
            let n = text.parse::<i128>();
            prop_assert!(n.is_ok());
            prop_assert_eq!(n.unwrap_or_default() as f64, f);
        } else {
            prop_assert!(f.fract() != 0.0 || !f.is_finite() || f.abs() >= 1e38);
        }
    }

    #[test]
    fn timestamps_from_text_never_panic(text in any::<String>()) {
        let _ = parse_api_timestamp(&text);
        if let Err(error) = parse_since(&text) {
            prop_assert_eq!(error.kind(), ErrorKind::Configuration);
        }
    }

    #[test]
    fn timestamps_round_trip(seconds in -377_705_116_800i64..253_402_207_200, nanos in 0i32..1_000_000_000) {
        let Ok(ts) = jiff::Timestamp::new(seconds, nanos) else { return Ok(()) };
        prop_assert_eq!(parse_api_timestamp(&ts.to_string()), Some(ts));
        prop_assert_eq!(parse_since(&ts.to_string()).ok(), Some(ts));
    }

    #[test]
    fn error_bodies_never_panic_and_stay_short(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
        if let Some(message) = server_message(&body) {
            prop_assert!(message.chars().count() <= 301);
        }
    }
}
