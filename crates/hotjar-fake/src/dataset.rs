//! The fake's data: surveys and responses computed from a seed. A response is a pure function
//! of (seed, survey, index), so a survey of a million responses costs no memory and the same
//! seed always gives the same data.
//!
//! The shapes follow `shared/hotjar-api.md` §2 and §7: every question type, sentiment only on
//! free-text answers of surveys with sentiment analysis (null otherwise, and now and then null
//! while "pending"), unicode and multi-line text, nulls, incomplete responses, empty surveys.
//!
//! Data subjects (for the user-lookup endpoint): every response belongs to one of
//! [`SUBJECT_POOL`] visitors, `visitor_of(seed, survey, age)`, a pure function like the rest.
//! Visitor `n` is `visitor{n}@example.com` with user id `cust_{n}` on the fake's site. A
//! response is linked to its visitor's email when it answers an `email` question or carries
//! user attributes (which then include `email`), and to the user id when it carries user
//! attributes (`user_id`). Deleting a subject hides exactly the responses linked to the
//! identifiers the deletion named, from every later page and from the ground truth.

use serde::Serialize;
use serde_json::Value;

use crate::recording::Recording;

/// 2026-06-30T12:00:00Z: the newest response of the first survey.
const NEWEST_RESPONSE_EPOCH: i64 = 1_782_820_800;
const RESPONSE_SPACING_SECONDS: i64 = 150;
const FIRST_SURVEY_ID: u64 = 1_234_560;
const FIRST_RESPONSE_ID: u64 = 8_800_000_000_000;
/// How many distinct visitors the responses come from.
pub const SUBJECT_POOL: u64 = 500;

/// The email address of visitor `n`.
pub fn subject_email(visitor: u64) -> String {
    format!("visitor{visitor}@example.com")
}

/// The user id visitor `n` has on the fake's site (sent through the Identify API).
pub fn subject_user_id(visitor: u64) -> String {
    format!("cust_{visitor}")
}

/// The identifiers a deletion named, which hide every response linked to them.
#[derive(Debug, Clone, Default)]
pub struct Erasures {
    /// Lower-cased: addresses are matched without regard to case.
    emails: std::collections::HashSet<String>,
    /// (site id, user id).
    user_ids: std::collections::HashSet<(String, String)>,
}

impl Erasures {
    pub fn is_empty(&self) -> bool {
        self.emails.is_empty() && self.user_ids.is_empty()
    }

    pub fn add_email(&mut self, email: &str) {
        self.emails.insert(email.trim().to_lowercase());
    }

    pub fn add_user_id(&mut self, site: &str, user_id: &str) {
        self.user_ids
            .insert((site.trim().to_string(), user_id.trim().to_string()));
    }

    fn hides(&self, site: &str, link: &Link) -> bool {
        if self.is_empty() {
            return false;
        }
        (link.by_email && self.emails.contains(&subject_email(link.visitor)))
            || (link.by_user_id
                && self
                    .user_ids
                    .contains(&(site.to_string(), subject_user_id(link.visitor))))
    }
}

/// Which visitor a response came from, and through which identifiers Hotjar could find it.
#[derive(Debug, Clone, Copy, Default)]
struct Link {
    visitor: u64,
    by_email: bool,
    by_user_id: bool,
}

/// A visitor with responses in the fake: what a test needs to look it up or delete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeSubject {
    pub email: String,
    pub site_id: String,
    pub user_id: String,
    /// Responses linked to the email (still visible).
    pub responses_by_email: usize,
    /// Responses linked to the user id (still visible).
    pub responses_by_user_id: usize,
    /// Responses linked to either.
    pub responses: usize,
}
/// With `extra_fields`, some responses answer this question, which no survey lists.
const REMOVED_QUESTION_ID: u64 = 5_559_999;

/// How the fake writes its ids (the API reference's open question 1, and issue 12: the real
/// API may send Contentsquare-style ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdStyle {
    /// Strings of digits: `"1234560"` (the reference's best guess).
    #[default]
    Digits,
    /// JSON numbers: `1234560`.
    Numeric,
    /// Opaque strings: `survey_<uuid>`, `question_<uuid>_<n>`, and a bare UUID for responses.
    Opaque,
}

impl IdStyle {
    /// The style named `digits`, `numeric` or `opaque`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "digits" => Some(Self::Digits),
            "numeric" => Some(Self::Numeric),
            "opaque" => Some(Self::Opaque),
            _ => None,
        }
    }
}

/// What an id names, for its opaque form.
#[derive(Debug, Clone, Copy)]
enum IdOf {
    Survey,
    Question,
    Response,
}

/// A UUID-shaped (version 4 layout) text from one number: stable for a given input.
fn uuid_of(seed: u64) -> String {
    let h = mix(&[seed, 0x1D]);
    let l = mix(&[seed, 0x2E]);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xFFFF,
        h & 0xFFF,
        0x8000 | ((l >> 48) & 0x3FFF),
        l & 0xFFFF_FFFF_FFFF
    )
}

/// An id on the wire: a string (digits or opaque), or a number when the fake imitates a server
/// that sends numbers (the API reference's open question 1).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum WireId {
    Text(String),
    Number(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuestionType {
    Nps,
    SingleOption,
    MultipleOption,
    LongText,
    ShortText,
    Email,
    Reaction,
    Rating,
    Statement,
    ThankYou,
}

impl QuestionType {
    fn wire(self) -> &'static str {
        match self {
            QuestionType::Nps => "nps",
            QuestionType::SingleOption => "single-option",
            QuestionType::MultipleOption => "multiple-option",
            QuestionType::LongText => "long-text",
            QuestionType::ShortText => "short-text",
            QuestionType::Email => "email",
            QuestionType::Reaction => "reaction",
            QuestionType::Rating => "rating-1-5",
            QuestionType::Statement => "statement",
            QuestionType::ThankYou => "thank-you",
        }
    }

    fn takes_answers(self) -> bool {
        !matches!(self, QuestionType::Statement | QuestionType::ThankYou)
    }

    fn is_free_text(self) -> bool {
        matches!(self, QuestionType::LongText | QuestionType::ShortText)
    }
}

struct Template {
    kind: QuestionType,
    text: &'static str,
    required: bool,
    choices: &'static [(&'static str, bool)],
    labels: Option<(&'static str, &'static str)>,
}

const TEMPLATES: &[Template] = &[
    Template {
        kind: QuestionType::Nps,
        text: "How likely are you to recommend us to a friend?",
        required: true,
        choices: &[],
        labels: Some(("Not at all likely", "Extremely likely")),
    },
    Template {
        kind: QuestionType::SingleOption,
        text: "What did you come here to do?",
        required: false,
        choices: &[
            ("Buy a product", false),
            ("Compare prices", false),
            ("Track my order", false),
            ("Other", true),
        ],
        labels: None,
    },
    Template {
        kind: QuestionType::MultipleOption,
        text: "Which features do you use?",
        required: false,
        choices: &[
            ("Search", false),
            ("Wishlist", false),
            ("Reviews", false),
            ("Gift cards", false),
        ],
        labels: None,
    },
    Template {
        kind: QuestionType::LongText,
        text: "What is the main reason for your score?",
        required: false,
        choices: &[],
        labels: None,
    },
    Template {
        kind: QuestionType::ShortText,
        text: "In one word, how was checkout?",
        required: false,
        choices: &[],
        labels: None,
    },
    Template {
        kind: QuestionType::Email,
        text: "May we contact you about your answers? Leave your email.",
        required: false,
        choices: &[],
        labels: None,
    },
    Template {
        kind: QuestionType::Reaction,
        text: "How do you feel about our new design?",
        required: false,
        choices: &[],
        labels: None,
    },
    Template {
        kind: QuestionType::Rating,
        text: "How easy was it to find what you needed?",
        required: false,
        choices: &[],
        labels: Some(("Very difficult", "Very easy")),
    },
    Template {
        kind: QuestionType::Statement,
        text: "Thanks! Just a few more questions.",
        required: false,
        choices: &[],
        labels: None,
    },
    Template {
        kind: QuestionType::ThankYou,
        text: "Thank you for your feedback! 🙏",
        required: false,
        choices: &[],
        labels: None,
    },
];

/// Free-text answers with the sentiment Hotjar would give them.
const LONG_TEXTS: &[(&str, &str)] = &[
    ("Fast checkout, really easy to use.", "positive"),
    ("Shipping costs were hidden until the last step.", "negative"),
    ("Très bien, merci ! Livraison rapide 👍", "positive"),
    ("配送が速くて助かりました。", "positive"),
    ("Zu teuer 😕", "negative"),
    ("Прекрасный сервис, спасибо", "positive"),
    ("It was ok, nothing special.", "neutral"),
    ("Line one\nLine two, with \"quotes\", a comma; and a tab\there", "neutral"),
    ("The app crashed twice; I gave up.", "negative"),
    ("¿Dónde está el carrito? 🛒", "neutral"),
    ("I could not find the size guide anywhere on the product page, and when I finally found it \
      in the footer it did not list the European sizes, which is what I needed. Otherwise the \
      shop is lovely and the photos are great, but please make the size guide easier to reach.",
     "negative"),
];

const SHORT_TEXTS: &[(&str, &str)] = &[
    ("Smooth", "positive"),
    ("Confusing", "negative"),
    ("Fine", "neutral"),
    ("Rapide ✨", "positive"),
    ("Slow", "negative"),
];

const COMMENTS: &[&str] = &[
    "Checking delivery times",
    "Looking for a job",
    "Just browsing 👀",
    "Comparing with a shop in Köln",
];

const TAGS: &[&str] = &["shipping", "ux", "pricing", "bug", "praise"];
const COUNTRIES: &[&str] = &["DE", "US", "FR", "GB", "JP", "BR", "IN", "ES", "NL", "PL"];
const PAGES: &[&str] = &[
    "https://shop.example.com/checkout/thank-you",
    "https://shop.example.com/",
    "https://shop.example.com/pricing?plan=pro&utm_source=newsletter",
    "https://shop.example.com/produits/écharpe-laine",
];
const SURVEY_NAMES: &[&str] = &[
    "Post-checkout NPS",
    "Homepage feedback",
    "Pricing page exit survey",
    "Onboarding check-in",
    "Retours clients — été",
    "Cancellation reasons",
];
const SURVEY_TYPES: &[&str] = &["popover", "full_screen", "link"];

/// Which templates each survey uses, in order. The first survey has every type; the second
/// asks the same free-text question twice (two questions with one text).
fn question_plan(survey_index: usize) -> Vec<usize> {
    match survey_index % 4 {
        0 => (0..TEMPLATES.len()).collect(),
        1 => vec![0, 3, 3],
        2 => vec![6, 1, 4, 9],
        _ => vec![7, 2, 5, 0],
    }
}

#[derive(Debug, Clone)]
struct Question {
    id: u64,
    kind: QuestionType,
    text: &'static str,
    required: bool,
    choices: &'static [(&'static str, bool)],
    labels: Option<(&'static str, &'static str)>,
}

#[derive(Debug, Clone)]
struct Survey {
    id: u64,
    name: String,
    kind: &'static str,
    enabled: bool,
    sentiment: bool,
    created: i64,
    updated: i64,
    questions: Vec<Question>,
    /// Responses the survey was made with.
    responses: usize,
    /// Responses added since (`Dataset::add_responses`), all newer than the first ones.
    added: usize,
    /// Responses changed since (`Dataset::change_response`): age -> how many times.
    revisions: std::collections::HashMap<i64, u64>,
}

/// Settings of the generated data.
#[derive(Debug, Clone)]
pub struct DatasetConfig {
    pub seed: u64,
    pub site_id: String,
    pub responses_per_survey: Vec<usize>,
    pub id_style: IdStyle,
    /// Adds fields the API reference does not know, and answers to a question no survey
    /// lists (an orphan, id 5559999), to check clients keep them.
    pub extra_fields: bool,
}

/// All surveys and (lazily) all responses of the fake site.
#[derive(Debug, Clone)]
pub struct Dataset {
    config: DatasetConfig,
    surveys: Vec<Survey>,
    /// Pages recorded from a real account, served instead of generated data.
    recorded: Option<Recording>,
}

#[derive(Serialize)]
struct QuestionJson<'a> {
    id: WireId,
    #[serde(rename = "type")]
    kind: &'a str,
    text: &'a str,
    is_required: bool,
    choices: Option<Vec<ChoiceJson<'a>>>,
    labels: Option<LabelsJson<'a>>,
    image_url: Option<&'a str>,
}

#[derive(Serialize)]
struct ChoiceJson<'a> {
    text: &'a str,
    allow_comment: bool,
}

#[derive(Serialize)]
struct LabelsJson<'a> {
    low_label: &'a str,
    high_label: &'a str,
}

#[derive(Serialize)]
struct SurveyJson<'a> {
    id: WireId,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    url: String,
    responses_url: String,
    is_enabled: bool,
    created_time: String,
    updated_time: String,
    sentiment_analysis_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    questions: Option<Vec<QuestionJson<'a>>>,
}

#[derive(Serialize)]
struct AnswerJson<'a> {
    question_id: WireId,
    answer: Option<String>,
    comment: Option<&'a str>,
    tags: Vec<TagJson<'a>>,
    sentiment: Option<&'a str>,
}

#[derive(Serialize)]
struct TagJson<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct WindowJson {
    width: u32,
    height: u32,
}

#[derive(Serialize)]
struct AttributeJson {
    name: &'static str,
    value: Value,
}

#[derive(Serialize)]
struct ResponseJson<'a> {
    id: WireId,
    created_time: String,
    is_complete: bool,
    hotjar_user_id: String,
    country: &'a str,
    device: &'a str,
    browser: &'a str,
    os: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    window_size: Option<WindowJson>,
    response_origin_url: &'a str,
    recording_url: Option<String>,
    user_attributes: Vec<AttributeJson>,
    answers: Vec<AnswerJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    experimental_score: Option<f64>,
    #[serde(skip)]
    link: Link,
}

/// The ground truth's own id rule, deliberately not the client's `ids::normalize_ids`: the fake
/// knows which fields are its ids (a response's `id` and its answers' `question_id`, a survey's
/// `id` and its questions' `id`), and a client must return each as its digits. Were the truth
/// built with the client's code, an id bug would be on both sides of every comparison.
fn id_as_text(id: Option<&mut Value>) {
    if let Some(id) = id {
        if let Value::Number(n) = &*id {
            *id = Value::String(n.to_string());
        }
    }
}

/// The items of an array field (none when it is absent or null).
fn items(field: Option<&mut Value>) -> impl Iterator<Item = &mut Value> {
    field
        .and_then(Value::as_array_mut)
        .into_iter()
        .flat_map(|items| items.iter_mut())
}

fn timestamp(epoch_seconds: i64) -> String {
    jiff::Timestamp::from_second(epoch_seconds)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

/// A well-mixed 64-bit value from a few inputs (splitmix64 finaliser).
pub(super) fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for part in parts {
        h ^= part
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(h << 6);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
    }
    h
}

impl Dataset {
    pub fn new(config: DatasetConfig) -> Self {
        let surveys = config
            .responses_per_survey
            .iter()
            .enumerate()
            .map(|(index, &responses)| Self::make_survey(config.seed, index, responses))
            .collect();
        Self {
            config,
            surveys,
            recorded: None,
        }
    }

    /// A dataset that serves a recording (no generated data; deletions hide nothing in it).
    pub fn from_recording(recording: Recording) -> Self {
        Self {
            config: DatasetConfig {
                seed: 0,
                site_id: recording.site_id.clone(),
                responses_per_survey: Vec::new(),
                id_style: IdStyle::Digits,
                extra_fields: false,
            },
            surveys: Vec::new(),
            recorded: Some(recording),
        }
    }

    /// The recording this dataset serves, if it serves one.
    pub fn recording(&self) -> Option<&Recording> {
        self.recorded.as_ref()
    }

    fn make_survey(seed: u64, index: usize, responses: usize) -> Survey {
        let mut rng = fastrand::Rng::with_seed(mix(&[seed, index as u64, 1]));
        let id = FIRST_SURVEY_ID + index as u64;
        let questions = question_plan(index)
            .into_iter()
            .enumerate()
            .map(|(position, template)| {
                let t = &TEMPLATES[template];
                Question {
                    id: 5_550_000 + (index as u64) * 100 + position as u64,
                    kind: t.kind,
                    text: t.text,
                    required: t.required,
                    choices: t.choices,
                    labels: t.labels,
                }
            })
            .collect();
        let newest = NEWEST_RESPONSE_EPOCH - index as i64 * 3600;
        let created = newest - responses as i64 * RESPONSE_SPACING_SECONDS - 86_400 * 30;
        Survey {
            id,
            name: format!(
                "{}{}",
                SURVEY_NAMES[index % SURVEY_NAMES.len()],
                if index >= SURVEY_NAMES.len() {
                    format!(" #{}", index / SURVEY_NAMES.len() + 1)
                } else {
                    String::new()
                }
            ),
            kind: SURVEY_TYPES[index % SURVEY_TYPES.len()],
            enabled: index % 5 != 4,
            sentiment: index % 3 != 2,
            created,
            updated: created + rng.i64(3600..86_400 * 20),
            questions,
            responses,
            added: 0,
            revisions: Default::default(),
        }
    }

    pub fn site_id(&self) -> &str {
        &self.config.site_id
    }

    pub fn survey_count(&self) -> usize {
        if let Some(r) = &self.recorded {
            return r.surveys.len();
        }
        self.surveys.len()
    }

    /// The survey ids, in the order the list endpoint returns them.
    pub fn survey_ids(&self) -> Vec<String> {
        if let Some(r) = &self.recorded {
            return r.survey_ids();
        }
        self.surveys
            .iter()
            .map(|s| self.id_text(IdOf::Survey, s.id))
            .collect()
    }

    /// The index of a survey by its id.
    pub fn survey_index(&self, id: &str) -> Option<usize> {
        if let Some(r) = &self.recorded {
            return r.survey_index(id);
        }
        self.surveys
            .iter()
            .position(|s| self.id_text(IdOf::Survey, s.id) == id)
    }

    /// The id style of this dataset.
    pub fn id_style(&self) -> IdStyle {
        self.config.id_style
    }

    pub fn response_count(&self, survey: usize) -> usize {
        if let Some(r) = &self.recorded {
            return r.response_count(survey);
        }
        self.surveys
            .get(survey)
            .map_or(0, |s| s.responses + s.added)
    }

    /// Adds a survey with this many responses; returns its id.
    pub fn add_survey(&mut self, responses: usize) -> String {
        let survey = Self::make_survey(self.config.seed, self.surveys.len(), responses);
        let id = self.id_text(IdOf::Survey, survey.id);
        self.surveys.push(survey);
        id
    }

    /// Adds `count` responses to a survey, newer than all it has (150 s apart, after its
    /// newest). Returns their ids, newest first.
    pub fn add_responses(&mut self, survey: usize, count: usize) -> Vec<String> {
        let Some(s) = self.surveys.get_mut(survey) else {
            return Vec::new();
        };
        s.added += count;
        (0..count)
            .map(|index| {
                self.id_text(
                    IdOf::Response,
                    self.response_id(survey, self.age(survey, index)),
                )
            })
            .collect()
    }

    /// Changes a response as when a partial response is completed: its answers are drawn
    /// anew and it is complete; its id, time and visitor stay. False if the survey has no
    /// response with that id.
    pub fn change_response(&mut self, survey: usize, response_id: &str) -> bool {
        let Some(age) = self.age_of_id(survey, response_id) else {
            return false;
        };
        *self.surveys[survey].revisions.entry(age).or_default() += 1;
        true
    }

    /// The age of response `index` (0 is the newest): 0 for the newest of the responses the
    /// survey was made with, negative for those added since. Data is a function of the age,
    /// so adding responses leaves the others as they were.
    fn age(&self, survey: usize, index: usize) -> i64 {
        index as i64 - self.surveys[survey].added as i64
    }

    fn response_id(&self, survey: usize, age: i64) -> u64 {
        let base = self.surveys[survey].responses as i64;
        FIRST_RESPONSE_ID + survey as u64 * 10_000_000 + (base - 1 - age) as u64
    }

    fn age_of_id(&self, survey: usize, response_id: &str) -> Option<i64> {
        let s = self.surveys.get(survey)?;
        let id: u64 = if self.config.id_style == IdStyle::Opaque {
            // Opaque ids are not numbers: find the response whose id this is.
            let ages = -(s.added as i64)..s.responses as i64;
            let age = ages.into_iter().find(|&age| {
                self.id_text(IdOf::Response, self.response_id(survey, age)) == response_id.trim()
            })?;
            self.response_id(survey, age)
        } else {
            response_id.trim().parse().ok()?
        };
        let offset = id.checked_sub(FIRST_RESPONSE_ID + survey as u64 * 10_000_000)?;
        let age = s.responses as i64 - 1 - i64::try_from(offset).ok()?;
        (-(s.added as i64)..s.responses as i64)
            .contains(&age)
            .then_some(age)
    }

    /// An id as text in this dataset's style.
    fn id_text(&self, of: IdOf, id: u64) -> String {
        if self.config.id_style != IdStyle::Opaque {
            return id.to_string();
        }
        match of {
            IdOf::Survey => format!("survey_{}", uuid_of(id)),
            // Question ids encode their survey and position: `question_<survey uuid>_<n>`.
            IdOf::Question => format!("question_{}_{}", uuid_of(id / 100), id % 100),
            IdOf::Response => uuid_of(id),
        }
    }

    fn wire_id(&self, of: IdOf, id: u64) -> WireId {
        match self.config.id_style {
            IdStyle::Numeric => WireId::Number(id),
            _ => WireId::Text(self.id_text(of, id)),
        }
    }

    fn survey_json(&self, index: usize, with_questions: bool) -> SurveyJson<'_> {
        let s = &self.surveys[index];
        let site = &self.config.site_id;
        let id = self.id_text(IdOf::Survey, s.id);
        SurveyJson {
            id: self.wire_id(IdOf::Survey, s.id),
            name: &s.name,
            kind: s.kind,
            url: format!("/v1/sites/{site}/surveys/{id}"),
            responses_url: format!("/v1/sites/{site}/surveys/{id}/responses"),
            is_enabled: s.enabled,
            created_time: timestamp(s.created),
            updated_time: timestamp(s.updated),
            sentiment_analysis_enabled: s.sentiment,
            questions: with_questions.then(|| {
                s.questions
                    .iter()
                    .map(|q| QuestionJson {
                        id: self.wire_id(IdOf::Question, q.id),
                        kind: q.kind.wire(),
                        text: q.text,
                        is_required: q.required,
                        choices: (!q.choices.is_empty()).then(|| {
                            q.choices
                                .iter()
                                .map(|&(text, allow_comment)| ChoiceJson {
                                    text,
                                    allow_comment,
                                })
                                .collect()
                        }),
                        labels: q.labels.map(|(low_label, high_label)| LabelsJson {
                            low_label,
                            high_label,
                        }),
                        image_url: None,
                    })
                    .collect()
            }),
        }
    }

    /// The survey as the single-survey endpoint returns it (with questions).
    pub fn survey_value(&self, index: usize, with_questions: bool) -> Value {
        if let Some(r) = &self.recorded {
            return r.survey_value(index, with_questions);
        }
        serde_json::to_value(self.survey_json(index, with_questions)).unwrap_or(Value::Null)
    }

    /// Surveys `[offset, offset + limit)` as JSON values.
    pub fn surveys_page(&self, offset: usize, limit: usize, with_questions: bool) -> Vec<Value> {
        if self.recorded.is_some() {
            return (offset..self.survey_count().min(offset + limit))
                .map(|i| self.survey_value(i, with_questions))
                .collect();
        }
        (offset..self.surveys.len().min(offset + limit))
            .map(|i| self.survey_value(i, with_questions))
            .collect()
    }

    /// Response `index` of a survey (0 is the newest).
    fn response_json(&self, survey_index: usize, index: usize) -> ResponseJson<'_> {
        let survey = &self.surveys[survey_index];
        let age = self.age(survey_index, index);
        let mut rng =
            fastrand::Rng::with_seed(mix(&[self.config.seed, survey_index as u64, age as u64, 2]));
        let newest = NEWEST_RESPONSE_EPOCH - survey_index as i64 * 3600;
        // Spacing of 150 s with up to 99 s of jitter keeps times strictly decreasing.
        let created = newest - age * RESPONSE_SPACING_SECONDS - rng.i64(0..100);
        let id = self.response_id(survey_index, age);
        // A changed response draws the rest anew, and is complete.
        let revision = survey.revisions.get(&age).copied().unwrap_or(0);
        if revision > 0 {
            rng = fastrand::Rng::with_seed(mix(&[
                self.config.seed,
                survey_index as u64,
                age as u64,
                2,
                revision,
            ]));
        }

        let device = ["desktop", "mobile", "tablet"][rng.usize(0..3)];
        let (browser, os, width, height) = match device {
            "mobile" => (
                ["Safari", "Chrome"][rng.usize(0..2)],
                ["iOS", "Android"][rng.usize(0..2)],
                390,
                844,
            ),
            "tablet" => ("Safari", "iPadOS", 820, 1180),
            _ => (
                ["Chrome", "Firefox", "Edge", "Safari"][rng.usize(0..4)],
                ["Windows", "Mac OS X", "Linux"][rng.usize(0..3)],
                1536,
                730,
            ),
        };

        let answerable: Vec<&Question> = survey
            .questions
            .iter()
            .filter(|q| q.kind.takes_answers())
            .collect();
        let incomplete = rng.u8(0..100) < 15 && answerable.len() > 1 && revision == 0;
        let answered = if incomplete {
            rng.usize(1..answerable.len())
        } else {
            answerable.len()
        };
        let visitor = self.visitor_of(survey_index, age);
        let mut link = Link {
            visitor,
            ..Link::default()
        };
        let mut answers = Vec::with_capacity(answered);
        for question in &answerable[..answered] {
            if !question.required && rng.u8(0..100) < 12 {
                continue; // skipped an optional question
            }
            let answer = self.answer(survey, question, visitor, &mut rng);
            link.by_email |= question.kind == QuestionType::Email && answer.answer.is_some();
            answers.push(answer);
        }
        if self.config.extra_fields && rng.u8(0..100) < 10 {
            // An orphan answer: to a question the survey no longer lists (deleted since the
            // response came in). Clients must keep it.
            answers.push(AnswerJson {
                question_id: self.wire_id(IdOf::Question, REMOVED_QUESTION_ID),
                answer: Some("An answer to a question that was removed".to_string()),
                comment: None,
                tags: vec![TagJson { name: TAGS[0] }],
                sentiment: None,
            });
        }

        let user_attributes = if rng.bool() {
            Vec::new()
        } else {
            link.by_email = true;
            link.by_user_id = true;
            // The draw is kept so that every later value stays what it was before visitors
            // were linked to responses.
            let _ = rng.u32(1000..99_999);
            vec![
                AttributeJson {
                    name: "user_id",
                    value: Value::String(subject_user_id(visitor)),
                },
                AttributeJson {
                    name: "email",
                    value: Value::String(subject_email(visitor)),
                },
                AttributeJson {
                    name: "plan",
                    value: Value::String(["free", "pro", "team"][rng.usize(0..3)].to_string()),
                },
                AttributeJson {
                    name: "lifetime_value",
                    value: serde_json::json!(f64::from(rng.u32(0..100_000)) / 100.0),
                },
                AttributeJson {
                    name: "beta",
                    value: Value::Bool(rng.bool()),
                },
                AttributeJson {
                    name: "signed_up",
                    value: Value::String(timestamp(created - rng.i64(86_400..86_400 * 900))),
                },
            ]
        };

        ResponseJson {
            id: self.wire_id(IdOf::Response, id),
            created_time: timestamp(created),
            is_complete: !incomplete,
            hotjar_user_id: format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                rng.u32(..),
                rng.u16(..),
                rng.u16(..0x1000),
                rng.u16(0x8000..0xC000),
                rng.u64(..1 << 48)
            ),
            country: COUNTRIES[rng.usize(0..COUNTRIES.len())],
            device,
            browser,
            os,
            window_size: (rng.u8(0..10) != 0).then_some(WindowJson { width, height }),
            response_origin_url: PAGES[rng.usize(0..PAGES.len())],
            recording_url: (rng.u8(0..10) < 6).then(|| {
                format!(
                    "https://insights.hotjar.com/sites/{}/playbacks/{}",
                    self.config.site_id,
                    55_000_000_000u64 + rng.u64(0..999_999_999)
                )
            }),
            user_attributes,
            answers,
            experimental_score: self
                .config
                .extra_fields
                .then(|| f64::from(rng.u32(0..1000)) / 10.0),
            link,
        }
    }

    /// The visitor the response of this age came from (1..=SUBJECT_POOL).
    fn visitor_of(&self, survey: usize, age: i64) -> u64 {
        mix(&[self.config.seed, survey as u64, age as u64, 3]) % SUBJECT_POOL + 1
    }

    fn answer<'a>(
        &'a self,
        survey: &'a Survey,
        question: &'a Question,
        visitor: u64,
        rng: &mut fastrand::Rng,
    ) -> AnswerJson<'a> {
        let mut comment = None;
        let mut sentiment = None;
        let answer = match question.kind {
            QuestionType::Nps => {
                // Skewed towards promoters, as real NPS data tends to be.
                let score = if rng.u8(0..100) < 60 {
                    rng.u8(7..=10)
                } else {
                    rng.u8(0..=10)
                };
                Some(score.to_string())
            }
            QuestionType::Reaction | QuestionType::Rating => Some(rng.u8(1..=5).to_string()),
            QuestionType::SingleOption => {
                let (text, allow_comment) = question.choices[rng.usize(0..question.choices.len())];
                if allow_comment {
                    comment = Some(COMMENTS[rng.usize(0..COMMENTS.len())]);
                }
                Some(text.to_string())
            }
            QuestionType::MultipleOption => {
                let picked: Vec<&str> = question
                    .choices
                    .iter()
                    .filter(|_| rng.bool())
                    .map(|c| c.0)
                    .collect();
                let picked = if picked.is_empty() {
                    vec![question.choices[0].0]
                } else {
                    picked
                };
                Some(picked.join(", "))
            }
            QuestionType::LongText | QuestionType::ShortText => {
                let pool = if question.kind == QuestionType::LongText {
                    LONG_TEXTS
                } else {
                    SHORT_TEXTS
                };
                let (text, feeling) = pool[rng.usize(0..pool.len())];
                // Sentiment exists only where the survey has analysis on; now and then it is
                // still pending (null).
                if survey.sentiment && rng.u8(0..100) >= 4 {
                    sentiment = Some(feeling);
                }
                Some(text.to_string())
            }
            QuestionType::Email => {
                let _ = rng.u32(1..99_999); // kept: later draws stay as they were
                Some(subject_email(visitor))
            }
            QuestionType::Statement | QuestionType::ThankYou => None,
        };
        // A few optional answers come back null, as SLT's schema allows.
        let answer = if !question.required && rng.u8(0..100) < 3 {
            sentiment = None;
            comment = None;
            None
        } else {
            answer
        };
        let tags = if rng.u8(0..100) < 30 {
            let first = rng.usize(0..TAGS.len());
            let mut tags = vec![TagJson { name: TAGS[first] }];
            if rng.bool() {
                tags.push(TagJson {
                    name: TAGS[(first + 1) % TAGS.len()],
                });
            }
            tags
        } else {
            Vec::new()
        };
        debug_assert!(sentiment.is_none() || question.kind.is_free_text());
        AnswerJson {
            question_id: self.wire_id(IdOf::Question, question.id),
            answer,
            comment,
            tags,
            sentiment,
        }
    }

    /// Writes up to `limit` visible responses of a survey, from position `offset` on, as a JSON
    /// array into `out`. Returns the position after the last one looked at: where the next
    /// page starts (the response count when none are left). Responses hidden by `erased` are
    /// skipped, so pages stay full and a cursor stays valid across deletions.
    pub fn write_responses_page(
        &self,
        survey: usize,
        offset: usize,
        limit: usize,
        erased: &Erasures,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<usize> {
        if let Some(r) = &self.recorded {
            // The recorded page boundaries, whatever the limit: the pagination seen live.
            let (page, next) = r.page_at(survey, offset);
            serde_json::to_writer(&mut *out, page)?;
            return Ok(next);
        }
        let total = self.response_count(survey);
        let site = self.site_id();
        let mut written = 0;
        let mut index = offset;
        out.push(b'[');
        while index < total && written < limit {
            let response = self.response_json(survey, index);
            index += 1;
            if erased.hides(site, &response.link) {
                continue;
            }
            if written > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, &response)?;
            written += 1;
        }
        out.push(b']');
        Ok(index)
    }

    /// Every visible response of a survey, newest first, as a client should return them (ids
    /// as strings): the ground truth for tests.
    pub fn responses_truth(&self, survey: usize, erased: &Erasures) -> Vec<Value> {
        if let Some(r) = &self.recorded {
            return r
                .responses(survey)
                .map(|response| {
                    let mut value = response.clone();
                    id_as_text(value.get_mut("id"));
                    for answer in items(value.get_mut("answers")) {
                        id_as_text(answer.get_mut("question_id"));
                    }
                    value
                })
                .collect();
        }
        let site = self.site_id();
        (0..self.response_count(survey))
            .map(|index| self.response_json(survey, index))
            .filter(|response| !erased.hides(site, &response.link))
            .map(|response| {
                let mut value = serde_json::to_value(&response).unwrap_or(Value::Null);
                id_as_text(value.get_mut("id"));
                for answer in items(value.get_mut("answers")) {
                    id_as_text(answer.get_mut("question_id"));
                }
                value
            })
            .collect()
    }

    /// The visitors that still have visible responses, most responses first (then by
    /// number), with the identifiers to look them up by. Scans every response.
    pub fn subjects(&self, erased: &Erasures) -> Vec<FakeSubject> {
        if self.recorded.is_some() {
            return Vec::new();
        }
        let pool = SUBJECT_POOL as usize;
        let (mut by_email, mut by_user, mut either) = (
            vec![0usize; pool + 1],
            vec![0usize; pool + 1],
            vec![0usize; pool + 1],
        );
        let site = self.site_id();
        for survey in 0..self.surveys.len() {
            for index in 0..self.response_count(survey) {
                let link = self.response_json(survey, index).link;
                if erased.hides(site, &link) || !(link.by_email || link.by_user_id) {
                    continue;
                }
                let v = link.visitor as usize;
                by_email[v] += usize::from(link.by_email);
                by_user[v] += usize::from(link.by_user_id);
                either[v] += 1;
            }
        }
        let mut subjects: Vec<FakeSubject> = (1..=pool)
            .filter(|&v| either[v] > 0)
            .map(|v| FakeSubject {
                email: subject_email(v as u64),
                site_id: site.to_string(),
                user_id: subject_user_id(v as u64),
                responses_by_email: by_email[v],
                responses_by_user_id: by_user[v],
                responses: either[v],
            })
            .collect();
        // Stable sort: equal counts keep visitor order.
        subjects.sort_by_key(|s| std::cmp::Reverse(s.responses));
        subjects
    }

    /// Every survey as a client should return it.
    pub fn surveys_truth(&self, with_questions: bool) -> Vec<Value> {
        (0..self.survey_count())
            .map(|i| {
                let mut value = self.survey_value(i, with_questions);
                id_as_text(value.get_mut("id"));
                for question in items(value.get_mut("questions")) {
                    id_as_text(question.get_mut("id"));
                }
                value
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(seed: u64) -> Dataset {
        Dataset::new(DatasetConfig {
            seed,
            site_id: "987654".into(),
            responses_per_survey: vec![500, 40, 0, 10],
            id_style: IdStyle::Digits,
            extra_fields: false,
        })
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let none = Erasures::default();
        assert_eq!(
            dataset(1).responses_truth(0, &none),
            dataset(1).responses_truth(0, &none)
        );
        assert_ne!(
            dataset(1).responses_truth(0, &none),
            dataset(2).responses_truth(0, &none)
        );
    }

    fn assert_newest_first_with_unique_ids(responses: &[Value]) {
        let times: Vec<_> = responses
            .iter()
            .map(|r| r["created_time"].as_str().unwrap().to_string())
            .collect();
        assert!(times.windows(2).all(|w| w[0] > w[1]));
        let ids: std::collections::HashSet<_> = responses.iter().map(|r| r["id"].clone()).collect();
        assert_eq!(ids.len(), responses.len());
    }

    #[test]
    fn responses_are_newest_first_with_unique_ids() {
        let data = dataset(3);
        let all = data.responses_truth(0, &Erasures::default());
        assert_eq!(all.len(), 500);
        assert_newest_first_with_unique_ids(&all);
        assert!(data.responses_truth(2, &Erasures::default()).is_empty());
    }

    #[test]
    fn sentiment_only_on_free_text_of_surveys_with_analysis() {
        let data = dataset(4);
        for survey in 0..data.survey_count() {
            let s = &data.surveys[survey];
            for response in data.responses_truth(survey, &Erasures::default()) {
                for answer in response["answers"].as_array().unwrap() {
                    if answer["sentiment"].is_null() {
                        continue;
                    }
                    let q = s
                        .questions
                        .iter()
                        .find(|q| q.id.to_string() == answer["question_id"].as_str().unwrap())
                        .unwrap();
                    assert!(s.sentiment && q.kind.is_free_text());
                    assert!(["positive", "negative", "neutral"]
                        .contains(&answer["sentiment"].as_str().unwrap()));
                }
            }
        }
    }

    #[test]
    fn the_first_survey_has_every_question_type() {
        let survey = dataset(0).survey_value(0, true);
        let types: Vec<_> = survey["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["type"].as_str().unwrap().to_string())
            .collect();
        for t in TEMPLATES {
            assert!(types.contains(&t.kind.wire().to_string()));
        }
    }

    #[test]
    fn added_responses_are_newer_and_leave_the_others_as_they_were() {
        let none = Erasures::default();
        let mut data = dataset(9);
        let before = data.responses_truth(1, &none);
        let ids = data.add_responses(1, 3);
        let after = data.responses_truth(1, &none);
        assert_eq!(after.len(), before.len() + 3);
        assert_eq!(after[3..], before[..]);
        let new_ids: Vec<_> = after[..3].iter().map(|r| r["id"].clone()).collect();
        assert_eq!(new_ids, ids);
        assert_newest_first_with_unique_ids(&after);
        // An empty survey can grow too.
        assert_eq!(data.add_responses(2, 2).len(), 2);
        assert_eq!(data.responses_truth(2, &none).len(), 2);
    }

    #[test]
    fn a_changed_response_keeps_its_id_and_time_and_is_complete() {
        let none = Erasures::default();
        let mut data = dataset(10);
        let before = data.responses_truth(0, &none);
        let partial = before
            .iter()
            .position(|r| r["is_complete"] == false)
            .unwrap();
        let id = before[partial]["id"].as_str().unwrap().to_string();
        assert!(data.change_response(0, &id));
        assert!(!data.change_response(0, "1"));
        assert!(!data.change_response(1, &id));
        let after = data.responses_truth(0, &none);
        assert_eq!(after[partial]["id"], before[partial]["id"]);
        assert_eq!(
            after[partial]["created_time"],
            before[partial]["created_time"]
        );
        assert_eq!(after[partial]["is_complete"], true);
        assert_ne!(after[partial]["answers"], before[partial]["answers"]);
        for (i, (a, b)) in after.iter().zip(&before).enumerate() {
            assert!(i == partial || a == b);
        }
        // Added responses can change as well.
        let added = data.add_responses(0, 1);
        assert!(data.change_response(0, &added[0]));
    }

    #[test]
    fn an_added_survey_comes_last_with_its_responses() {
        let mut data = dataset(11);
        let before = data.survey_ids();
        let id = data.add_survey(25);
        assert_eq!(data.survey_ids()[..before.len()], before[..]);
        assert_eq!(data.survey_ids().last(), Some(&id));
        assert!(!before.contains(&id));
        let index = data.survey_index(&id).unwrap();
        assert_eq!(data.responses_truth(index, &Erasures::default()).len(), 25);
    }

    #[test]
    fn page_writer_matches_truth() {
        let data = dataset(5);
        let mut out = Vec::new();
        let none = Erasures::default();
        let next = data
            .write_responses_page(0, 100, 100, &none, &mut out)
            .unwrap();
        assert_eq!(next, 200);
        let page: Vec<Value> = serde_json::from_slice(&out).unwrap();
        assert_eq!(page, data.responses_truth(0, &none)[100..200].to_vec());
    }

    /// The identifiers a response carries, read from its JSON as a test would.
    fn identifiers(response: &Value) -> (Vec<String>, Option<String>) {
        let mut emails: Vec<String> = response["answers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["answer"].as_str())
            .filter(|a| a.ends_with("@example.com"))
            .map(str::to_string)
            .collect();
        let mut user_id = None;
        for attribute in response["user_attributes"].as_array().unwrap() {
            match attribute["name"].as_str().unwrap() {
                "email" => emails.push(attribute["value"].as_str().unwrap().to_string()),
                "user_id" => user_id = Some(attribute["value"].as_str().unwrap().to_string()),
                _ => {}
            }
        }
        (emails, user_id)
    }

    #[test]
    fn subjects_are_linked_consistently_and_listed_with_their_counts() {
        let data = dataset(6);
        let none = Erasures::default();
        let subjects = data.subjects(&none);
        assert!(!subjects.is_empty());
        assert!(subjects
            .windows(2)
            .all(|w| w[0].responses >= w[1].responses));
        let top = &subjects[0];
        let (mut by_email, mut by_user, mut either) = (0, 0, 0);
        for survey in 0..data.survey_count() {
            for response in data.responses_truth(survey, &none) {
                let (emails, user_id) = identifiers(&response);
                // One visitor per response: its email and user id belong together.
                if let Some(user_id) = &user_id {
                    let n = user_id.trim_start_matches("cust_");
                    assert!(emails
                        .iter()
                        .all(|e| *e == format!("visitor{n}@example.com")));
                }
                let e = emails.contains(&top.email);
                let u = user_id.as_deref() == Some(top.user_id.as_str());
                by_email += usize::from(e);
                by_user += usize::from(u);
                either += usize::from(e || u);
            }
        }
        assert_eq!(
            (by_email, by_user, either),
            (
                top.responses_by_email,
                top.responses_by_user_id,
                top.responses
            )
        );
    }

    #[test]
    fn erasing_an_email_hides_its_responses_everywhere_and_keeps_pages_full() {
        let data = dataset(7);
        let none = Erasures::default();
        let top = data.subjects(&none)[0].clone();
        let mut erased = Erasures::default();
        erased.add_email(&top.email.to_uppercase());
        let before = data.responses_truth(0, &none);
        let after = data.responses_truth(0, &erased);
        let expected: Vec<Value> = before
            .iter()
            .filter(|r| !identifiers(r).0.contains(&top.email))
            .cloned()
            .collect();
        assert!(after.len() < before.len());
        assert_eq!(after, expected);
        // Paging through with the filter gives the same rows, in full pages.
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let mut out = Vec::new();
            let next = data
                .write_responses_page(0, offset, 7, &erased, &mut out)
                .unwrap();
            let page: Vec<Value> = serde_json::from_slice(&out).unwrap();
            assert!(page.len() == 7 || next == data.response_count(0));
            paged.extend(page);
            if next == data.response_count(0) {
                break;
            }
            offset = next;
        }
        assert_eq!(paged, after);
        let left = data.subjects(&erased);
        let same = left.iter().find(|s| s.email == top.email);
        assert!(same.is_none_or(|s| s.responses_by_email == 0));
    }

    #[test]
    fn erasing_a_user_id_hides_only_responses_with_that_attribute() {
        let data = dataset(8);
        let none = Erasures::default();
        let top = data.subjects(&none)[0].clone();
        let mut erased = Erasures::default();
        erased.add_user_id("987654", &top.user_id);
        let mut other_site = Erasures::default();
        other_site.add_user_id("1", &top.user_id);
        let mut hidden = 0;
        for survey in 0..data.survey_count() {
            let before = data.responses_truth(survey, &none);
            assert_eq!(data.responses_truth(survey, &other_site), before);
            hidden += before.len() - data.responses_truth(survey, &erased).len();
            let expected: Vec<Value> = before
                .into_iter()
                .filter(|r| identifiers(r).1.as_deref() != Some(top.user_id.as_str()))
                .collect();
            assert_eq!(data.responses_truth(survey, &erased), expected);
        }
        assert_eq!(hidden, top.responses_by_user_id);
    }
}
