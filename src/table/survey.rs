//! What a survey's questions become as columns: read from the survey object `get_survey`
//! returns, before the first response arrives, so a streamed file's schema is fixed up front.

use std::collections::HashSet;

use serde_json::Value;

/// Names of the response-level columns, in table order (`user_attributes` last).
pub const RESPONSE_COLUMNS: &[&str] = &[
    "response_id",
    "created_time",
    "is_complete",
    "country",
    "device",
    "browser",
    "os",
    "hotjar_user_id",
    "recording_url",
    "response_origin_url",
    "window_width",
    "window_height",
    "user_attributes",
];

/// The wide table's last column: answers that have no column of their own, as JSON.
pub const OTHER_ANSWERS: &str = "other_answers";

/// How a question's answers are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// A whole number (NPS 0-10, ratings, reactions).
    Number,
    /// Text as sent (choices, free text, emails, unknown types).
    Text,
    /// A question that takes no answer (statement, thank-you page): no columns.
    None,
}

/// One question of the survey and the names of its columns in the wide table.
#[derive(Debug, Clone)]
pub struct QuestionColumns {
    pub id: String,
    pub text: String,
    pub kind: String,
    pub answer: AnswerKind,
    pub answer_column: String,
    pub sentiment_column: Option<String>,
    pub comment_column: Option<String>,
    pub tags_column: String,
}

/// The survey as the table builders need it.
#[derive(Debug, Clone)]
pub struct SurveyPlan {
    pub survey_id: String,
    pub survey_name: Option<String>,
    /// Questions in survey order, including those that take no answer.
    pub questions: Vec<QuestionColumns>,
}

impl SurveyPlan {
    /// Reads the questions of a survey object (ids already normalised to strings). Lenient: a
    /// missing `questions` list gives a plan with no question columns, and every answer then
    /// lands in `other_answers`.
    pub fn from_survey(survey_id: &str, survey: &Value) -> Self {
        let sentiment_enabled = survey
            .get("sentiment_analysis_enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mut names = ColumnNames::new();
        let mut questions = Vec::new();
        for question in survey
            .get("questions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = question.get("id").and_then(id_text) else {
                continue;
            };
            let kind = question
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let text = question
                .get("text")
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or_default()
                .to_string();
            let answer = answer_kind(&kind);
            let base = if text.is_empty() {
                format!("question {id}")
            } else {
                text.clone()
            };
            // A question without answers (a statement) has no column, so takes no name.
            let answer_column = if answer == AnswerKind::None {
                base
            } else {
                names.claim(&base)
            };
            if !kind.is_empty() && !is_known_type(&kind) {
                note_unknown_type(survey_id, &kind, &answer_column);
            }
            let takes_sentiment = sentiment_enabled && is_free_text(&kind);
            let takes_comment = takes_comment(&kind, question.get("choices"));
            let (sentiment_column, comment_column, tags_column) = if answer == AnswerKind::None {
                (None, None, String::new())
            } else {
                (
                    takes_sentiment.then(|| names.claim(&format!("{answer_column} [sentiment]"))),
                    takes_comment.then(|| names.claim(&format!("{answer_column} [comment]"))),
                    names.claim(&format!("{answer_column} [tags]")),
                )
            };
            questions.push(QuestionColumns {
                id,
                text,
                kind,
                answer,
                answer_column,
                sentiment_column,
                comment_column,
                tags_column,
            });
        }
        Self {
            survey_id: survey_id.to_string(),
            survey_name: survey
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string),
            questions,
        }
    }

    /// The questions that have columns.
    pub fn answered_questions(&self) -> impl Iterator<Item = &QuestionColumns> {
        self.questions
            .iter()
            .filter(|q| q.answer != AnswerKind::None)
    }

    /// The question with this id, columns or not.
    pub fn question(&self, id: &str) -> Option<&QuestionColumns> {
        self.questions.iter().find(|q| q.id == id)
    }
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Question types are an open set (API reference §8.4). Every type the public docs name gets
/// its column type; ratings are spelled `rating-1-5` by one source and `1-5-rating` by another,
/// so any `rating-1-N` / `N-rating` is a number. A type not listed here is kept as text (never
/// dropped) and reported once at INFO by [`note_unknown_type`].
pub fn answer_kind(kind: &str) -> AnswerKind {
    let kind = kind.to_ascii_lowercase().replace('_', "-");
    match kind.as_str() {
        "statement" | "thank-you" => AnswerKind::None,
        // NPS 0-10 and the five-face reaction 1-5.
        "nps" | "reaction" => AnswerKind::Number,
        // Thumbs up/down: what the API sends for it is undocumented, so kept as sent.
        "reaction-binary" | "long-text" | "short-text" | "email" | "single-option"
        | "multiple-option" => AnswerKind::Text,
        _ if is_rating(&kind) => AnswerKind::Number,
        _ => AnswerKind::Text,
    }
}

/// Whether a question type is one the library knows (see [`answer_kind`]).
pub fn is_known_type(kind: &str) -> bool {
    let kind = kind.to_ascii_lowercase().replace('_', "-");
    matches!(
        kind.as_str(),
        "statement"
            | "thank-you"
            | "nps"
            | "reaction"
            | "reaction-binary"
            | "long-text"
            | "short-text"
            | "email"
            | "single-option"
            | "multiple-option"
    ) || is_rating(&kind)
}

/// `rating-1-5`, `rating-1-7`, any `rating-1-N`, the reversed `1-5-rating`, or plain `rating`.
fn is_rating(kind: &str) -> bool {
    let scale = |rest: &str| {
        rest.split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    };
    kind == "rating"
        || kind
            .strip_prefix("rating-")
            .is_some_and(|rest| rest.contains('-') && scale(rest))
        || kind
            .strip_suffix("-rating")
            .is_some_and(|rest| rest.contains('-') && scale(rest))
}

/// Logs, once per process and type, at INFO, that a question type is unknown and where its
/// answers went (kept as text).
fn note_unknown_type(survey_id: &str, kind: &str, column: &str) {
    static SEEN: std::sync::OnceLock<std::sync::Mutex<HashSet<String>>> =
        std::sync::OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    let first = seen
        .lock()
        .map(|mut seen| seen.insert(kind.to_string()))
        .unwrap_or(false);
    if first {
        log::info!(
            "Survey {survey_id}: question type {kind:?} is not one hotjar-client knows; its \
             answers are kept as text (column {column:?}). `hotjar-client check --deep` shows \
             every difference from what the library expects, to paste into a bug report."
        );
    }
}

/// Hotjar analyses sentiment of free-text answers only (API reference §2).
fn is_free_text(kind: &str) -> bool {
    let kind = kind.to_ascii_lowercase();
    kind.ends_with("-text") || kind == "text"
}

/// Comments come with "allow comment" choices; when choices are plain strings (one source's
/// shape) or missing on a choice question, a comment column is planned to be safe.
fn takes_comment(kind: &str, choices: Option<&Value>) -> bool {
    let is_choice = {
        let kind = kind.to_ascii_lowercase();
        kind.contains("option") || kind.contains("choice")
    };
    match choices.and_then(Value::as_array) {
        Some(choices) if !choices.is_empty() => choices.iter().any(|choice| match choice {
            Value::Object(map) => map
                .get("allow_comment")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            _ => true,
        }),
        _ => is_choice,
    }
}

/// Hands out unique column names: a second question with the same text becomes "text (2)".
struct ColumnNames {
    taken: HashSet<String>,
}

impl ColumnNames {
    fn new() -> Self {
        let mut taken: HashSet<String> = RESPONSE_COLUMNS.iter().map(|s| s.to_string()).collect();
        taken.insert(OTHER_ANSWERS.to_string());
        Self { taken }
    }

    fn claim(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{base} ({n})");
            n += 1;
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One part of each question of `plan`, in survey order.
    fn each_question<'p, T>(
        plan: &'p SurveyPlan,
        part: impl Fn(&'p QuestionColumns) -> T,
    ) -> Vec<T> {
        plan.questions.iter().map(part).collect()
    }

    #[test]
    fn every_documented_question_type_has_its_column_type() {
        use AnswerKind::*;
        for (kind, expected) in [
            ("reaction", Number),
            ("reaction-binary", Text),
            ("long-text", Text),
            ("short-text", Text),
            ("single-option", Text),
            ("multiple-option", Text),
            ("email", Text),
            ("rating-1-5", Number),
            ("rating-1-7", Number),
            ("rating-1-10", Number),
            ("1-5-rating", Number),
            ("1-7-rating", Number),
            ("nps", Number),
            ("NPS", Number),
            ("statement", None),
            ("thank-you", None),
            ("thank_you", None),
            ("matrix", Text),
            ("rating-stars", Text),
            ("", Text),
        ] {
            assert_eq!(answer_kind(kind), expected, "{kind}");
        }
        assert!(is_known_type("rating-1-7") && is_known_type("reaction-binary"));
        assert!(!is_known_type("matrix") && !is_known_type("rating-x"));
    }

    #[test]
    fn equal_texts_and_reserved_names_are_made_unique() {
        let survey = json!({"sentiment_analysis_enabled": true, "questions": [
            {"id": "1", "type": "long-text", "text": "Why?"},
            {"id": "2", "type": "long-text", "text": "Why?"},
            {"id": "3", "type": "short-text", "text": "country"},
            {"id": 4, "type": "statement", "text": "Thanks"},
            {"id": "5", "type": "1-5-rating", "text": ""},
        ]});
        let plan = SurveyPlan::from_survey("9", &survey);
        let names = each_question(&plan, |q| q.answer_column.as_str());
        assert_eq!(
            names,
            ["Why?", "Why? (2)", "country (2)", "Thanks", "question 5"]
        );
        assert_eq!(
            plan.questions[0].sentiment_column.as_deref(),
            Some("Why? [sentiment]")
        );
        assert_eq!(plan.questions[4].answer, AnswerKind::Number);
        assert_eq!(plan.questions[3].answer, AnswerKind::None);
        assert_eq!(plan.answered_questions().count(), 4);
        assert_eq!(
            plan.question("4").map(|q| q.kind.as_str()),
            Some("statement")
        );
    }

    #[test]
    fn comments_follow_allow_comment_and_sentiment_follows_the_survey() {
        let survey = json!({"sentiment_analysis_enabled": false, "questions": [
            {"id": "1", "type": "single-option", "text": "A",
             "choices": [{"text": "x", "allow_comment": false}, {"text": "Other", "allow_comment": true}]},
            {"id": "2", "type": "single-option", "text": "B",
             "choices": [{"text": "x", "allow_comment": false}]},
            {"id": "3", "type": "multiple-option", "text": "C", "choices": ["x", "y"]},
            {"id": "4", "type": "long-text", "text": "D"},
        ]});
        let plan = SurveyPlan::from_survey("9", &survey);
        let comments = each_question(&plan, |q| q.comment_column.is_some());
        assert_eq!(comments, [true, false, true, false]);
        assert!(plan.questions.iter().all(|q| q.sentiment_column.is_none()));
    }
}
