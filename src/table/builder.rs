//! Pages of responses decoded straight into Arrow builders, in the wide shape (one row per
//! response, columns per question) or the long shape (one row per answer).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int16Builder, Int32Builder, ListBuilder, MapBuilder, StringBuilder,
    StringDictionaryBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};

use super::rows::{AnswerRow, PageRows, ResponseRow};
use super::survey::{AnswerKind, QuestionColumns, SurveyPlan, OTHER_ANSWERS, RESPONSE_COLUMNS};
use crate::error::{Error, ErrorKind, Result};
use crate::timestamps::parse_api_timestamp;

/// Text a column may hold before `append_page` refuses more (Arrow's limit is 2 GiB).
const MAX_TEXT_BYTES: usize = 3 << 29;

/// The two table shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One row per response, one column (or a few) per question.
    Wide,
    /// One row per answer, with the response's columns repeated.
    Long,
}

impl Shape {
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "wide" => Ok(Shape::Wide),
            "long" => Ok(Shape::Long),
            other => Err(Error::config(format!(
                "shape must be \"wide\" (one row per response) or \"long\" (one row per \
                 answer), got {other:?}."
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Wide => "wide",
            Shape::Long => "long",
        }
    }
}

/// Builds a table of one survey's responses, page by page. `finish` hands out what was
/// appended since the last call as one record batch (the schema never changes), so a file
/// export can write page by page and an in-memory table can finish once.
pub struct TableBuilder {
    plan: Arc<SurveyPlan>,
    shape: Shape,
    response: ResponseColumns,
    body: Body,
    responses: usize,
    rows: usize,
    /// `MAX_TEXT_BYTES`, lowered by tests.
    max_text_bytes: usize,
}

enum Body {
    Wide(WideColumns),
    Long(Box<LongColumns>),
}

impl TableBuilder {
    pub fn new(plan: SurveyPlan, shape: Shape) -> Self {
        let body = match shape {
            Shape::Wide => Body::Wide(WideColumns::new(&plan)),
            Shape::Long => Body::Long(Box::new(LongColumns::new())),
        };
        Self {
            plan: Arc::new(plan),
            shape,
            response: ResponseColumns::new(),
            body,
            responses: 0,
            rows: 0,
            max_text_bytes: MAX_TEXT_BYTES,
        }
    }

    /// Responses appended so far (all batches).
    pub fn responses(&self) -> usize {
        self.responses
    }

    /// Rows appended so far (all batches); equals `responses` in the wide shape.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The most bytes of text any one column holds so far.
    fn text_bytes(&mut self) -> usize {
        let body = match &self.body {
            Body::Wide(wide) => wide.text_bytes(),
            Body::Long(long) => long.text_bytes(),
        };
        body.max(self.response.text_bytes())
    }

    /// Appends the responses of a page body whose flag in `keep` is set.
    pub fn append_page(&mut self, body: &[u8], keep: &[bool]) -> Result<()> {
        // Arrow's text columns address at most 2 GiB each; stop well before, with what was
        // read kept (the caller's `partial`), rather than overflow.
        if self.text_bytes() > self.max_text_bytes {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "These responses hold more text than one in-memory table can (1.5 GB in one \
                 column). Stream them to a file with export_responses(), or fetch fewer with \
                 since=; the exception's partial holds the table so far and resume_cursor \
                 continues after it.",
            ));
        }
        let page: PageRows = serde_json::from_slice(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("A page of responses could not be read into columns: {e}."),
            )
        })?;
        let results = page.results.unwrap_or_default();
        if results.len() != keep.len() {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "A page of responses changed between two reads (item count differs).",
            ));
        }
        let before = self.responses;
        for (row, _) in results.iter().zip(keep).filter(|(_, keep)| **keep) {
            self.append_response(row);
        }
        crate::progress::kept(self.responses - before);
        Ok(())
    }

    fn append_response(&mut self, row: &ResponseRow) {
        let cells = ResponseCells::of(row);
        self.responses += 1;
        match &mut self.body {
            Body::Wide(wide) => {
                self.response.append(&cells);
                wide.append(row);
                self.rows += 1;
            }
            Body::Long(long) => {
                if row.answers.0.is_empty() {
                    // A response with no answer keeps one row, so no response goes missing.
                    self.response.append(&cells);
                    long.append(&self.plan, None);
                    self.rows += 1;
                }
                for answer in &row.answers.0 {
                    self.response.append(&cells);
                    long.append(&self.plan, Some(answer));
                    self.rows += 1;
                }
            }
        }
    }

    /// The rows appended since the last call, as one batch.
    pub fn finish(&mut self) -> Result<RecordBatch> {
        let mut columns = self.response.finish();
        match &mut self.body {
            Body::Wide(wide) => columns.extend(wide.finish()),
            Body::Long(long) => columns.extend(long.finish()),
        }
        let fields: Vec<Field> = columns
            .iter()
            .map(|c| {
                Field::new(c.name.clone(), c.array.data_type().clone(), true)
                    .with_metadata(c.metadata.clone())
            })
            .collect();
        let mut metadata = HashMap::new();
        metadata.insert("hotjar.survey_id".to_string(), self.plan.survey_id.clone());
        if let Some(name) = &self.plan.survey_name {
            metadata.insert("hotjar.survey_name".to_string(), name.clone());
        }
        metadata.insert("hotjar.shape".to_string(), self.shape.name().to_string());
        let schema: SchemaRef = Arc::new(Schema::new_with_metadata(fields, metadata));
        RecordBatch::try_new(schema, columns.into_iter().map(|c| c.array).collect()).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("Could not assemble the table: {e}."),
            )
        })
    }
}

/// A finished column: name, array and field metadata.
struct Column {
    name: String,
    array: ArrayRef,
    metadata: HashMap<String, String>,
}

impl Column {
    fn plain(name: &str, array: ArrayRef) -> Self {
        Self {
            name: name.to_string(),
            array,
            metadata: HashMap::new(),
        }
    }

    fn of_question(name: &str, array: ArrayRef, question: &QuestionColumns, part: &str) -> Self {
        let mut metadata = HashMap::new();
        metadata.insert("hotjar.question_id".to_string(), question.id.clone());
        metadata.insert("hotjar.question_type".to_string(), question.kind.clone());
        metadata.insert("hotjar.question_text".to_string(), question.text.clone());
        metadata.insert("hotjar.part".to_string(), part.to_string());
        Self {
            name: name.to_string(),
            array,
            metadata,
        }
    }
}

/// What a response contributes to the response columns, worked out once (the long shape
/// repeats it per answer).
struct ResponseCells<'r> {
    row: &'r ResponseRow<'r>,
    created_micros: Option<i64>,
}

impl<'r> ResponseCells<'r> {
    fn of(row: &'r ResponseRow<'r>) -> Self {
        let created_micros = row
            .created_time
            .as_str()
            .and_then(parse_api_timestamp)
            .map(|t| t.as_microsecond());
        Self {
            row,
            created_micros,
        }
    }
}

type Dictionary = StringDictionaryBuilder<Int32Type>;

struct ResponseColumns {
    response_id: StringBuilder,
    created_time: TimestampMicrosecondBuilder,
    is_complete: BooleanBuilder,
    country: Dictionary,
    device: Dictionary,
    browser: Dictionary,
    os: Dictionary,
    hotjar_user_id: StringBuilder,
    recording_url: StringBuilder,
    response_origin_url: StringBuilder,
    window_width: Int32Builder,
    window_height: Int32Builder,
    user_attributes: MapBuilder<StringBuilder, StringBuilder>,
}

impl ResponseColumns {
    fn new() -> Self {
        Self {
            response_id: StringBuilder::new(),
            created_time: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            is_complete: BooleanBuilder::new(),
            country: Dictionary::new(),
            device: Dictionary::new(),
            browser: Dictionary::new(),
            os: Dictionary::new(),
            hotjar_user_id: StringBuilder::new(),
            recording_url: StringBuilder::new(),
            response_origin_url: StringBuilder::new(),
            window_width: Int32Builder::new(),
            window_height: Int32Builder::new(),
            user_attributes: MapBuilder::new(None, StringBuilder::new(), StringBuilder::new()),
        }
    }

    fn append(&mut self, cells: &ResponseCells) {
        let row = cells.row;
        self.response_id.append_option(row.id.as_str());
        self.created_time.append_option(cells.created_micros);
        self.is_complete.append_option(row.is_complete.0);
        self.country.append_option(row.country.as_str());
        self.device.append_option(row.device.as_str());
        self.browser.append_option(row.browser.as_str());
        self.os.append_option(row.os.as_str());
        self.hotjar_user_id
            .append_option(row.hotjar_user_id.as_str());
        self.recording_url.append_option(row.recording_url.as_str());
        self.response_origin_url
            .append_option(row.response_origin_url.as_str());
        self.window_width.append_option(row.window_width());
        self.window_height.append_option(row.window_height());
        for attribute in &row.user_attributes.0 {
            // A map key cannot be null; an attribute without a name keeps its value under "".
            self.user_attributes
                .keys()
                .append_value(attribute.name.as_str().unwrap_or_default());
            self.user_attributes
                .values()
                .append_option(attribute.value.as_str());
        }
        // Only fails when keys and values differ in length, which the loop above rules out.
        let _ = self.user_attributes.append(true);
    }

    fn text_bytes(&mut self) -> usize {
        [
            self.response_id.values_slice().len(),
            self.hotjar_user_id.values_slice().len(),
            self.recording_url.values_slice().len(),
            self.response_origin_url.values_slice().len(),
            self.user_attributes.keys().values_slice().len(),
            self.user_attributes.values().values_slice().len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    fn finish(&mut self) -> Vec<Column> {
        let arrays: [ArrayRef; 13] = [
            Arc::new(self.response_id.finish()),
            Arc::new(self.created_time.finish()),
            Arc::new(self.is_complete.finish()),
            Arc::new(self.country.finish()),
            Arc::new(self.device.finish()),
            Arc::new(self.browser.finish()),
            Arc::new(self.os.finish()),
            Arc::new(self.hotjar_user_id.finish()),
            Arc::new(self.recording_url.finish()),
            Arc::new(self.response_origin_url.finish()),
            Arc::new(self.window_width.finish()),
            Arc::new(self.window_height.finish()),
            Arc::new(self.user_attributes.finish()),
        ];
        RESPONSE_COLUMNS
            .iter()
            .zip(arrays)
            .map(|(name, array)| Column::plain(name, array))
            .collect()
    }
}

enum AnswerColumn {
    Number(Int16Builder),
    Text(StringBuilder),
}

struct QuestionBuilders {
    question: QuestionColumns,
    answer: AnswerColumn,
    sentiment: Option<Dictionary>,
    comment: Option<StringBuilder>,
    tags: ListBuilder<StringBuilder>,
}

impl QuestionBuilders {
    /// Whether every part of the answer has a place in this question's columns. One that does
    /// not (a text in a number column, a sentiment or comment where none was planned) goes,
    /// whole, to `other_answers` instead: nothing is dropped or half-stored.
    fn fits(&self, answer: &AnswerRow) -> bool {
        let number_ok = match self.answer {
            AnswerColumn::Number(_) => answer
                .answer
                .as_str()
                .is_none_or(|t| parse_number(t).is_some()),
            AnswerColumn::Text(_) => true,
        };
        number_ok
            && (answer.sentiment.as_str().is_none() || self.sentiment.is_some())
            && (answer.comment.as_str().is_none() || self.comment.is_some())
    }

    fn append(&mut self, answer: Option<&AnswerRow>) {
        let text = answer.and_then(|a| a.answer.as_str());
        match &mut self.answer {
            AnswerColumn::Number(b) => b.append_option(text.and_then(parse_number)),
            AnswerColumn::Text(b) => b.append_option(text),
        }
        if let Some(b) = &mut self.sentiment {
            b.append_option(answer.and_then(|a| a.sentiment.as_str()));
        }
        if let Some(b) = &mut self.comment {
            b.append_option(answer.and_then(|a| a.comment.as_str()));
        }
        append_tags(&mut self.tags, answer);
    }

    fn text_bytes(&self) -> usize {
        let answer = match &self.answer {
            AnswerColumn::Number(_) => 0,
            AnswerColumn::Text(b) => b.values_slice().len(),
        };
        let comment = self.comment.as_ref().map_or(0, |b| b.values_slice().len());
        answer
            .max(comment)
            .max(self.tags.values_ref().values_slice().len())
    }

    fn finish(&mut self, out: &mut Vec<Column>) {
        let q = &self.question;
        let answer: ArrayRef = match &mut self.answer {
            AnswerColumn::Number(b) => Arc::new(b.finish()),
            AnswerColumn::Text(b) => Arc::new(b.finish()),
        };
        out.push(Column::of_question(&q.answer_column, answer, q, "answer"));
        if let (Some(b), Some(name)) = (&mut self.sentiment, &q.sentiment_column) {
            out.push(Column::of_question(
                name,
                Arc::new(b.finish()),
                q,
                "sentiment",
            ));
        }
        if let (Some(b), Some(name)) = (&mut self.comment, &q.comment_column) {
            out.push(Column::of_question(
                name,
                Arc::new(b.finish()),
                q,
                "comment",
            ));
        }
        out.push(Column::of_question(
            &q.tags_column,
            Arc::new(self.tags.finish()),
            q,
            "tags",
        ));
    }
}

/// An answer's tags as one list entry; no answer is a null entry, not an empty list.
fn append_tags(tags: &mut ListBuilder<StringBuilder>, answer: Option<&AnswerRow>) {
    match answer {
        Some(answer) => {
            for tag in &answer.tags.0 {
                tags.values().append_option(tag.0.as_str());
            }
            tags.append(true);
        }
        None => tags.append(false),
    }
}

/// NPS scores and ratings: whole numbers, surrounding spaces allowed.
fn parse_number(text: &str) -> Option<i16> {
    text.trim().parse().ok()
}

struct WideColumns {
    questions: Vec<QuestionBuilders>,
    by_id: HashMap<String, usize>,
    other_answers: StringBuilder,
    /// Per question, which answer of the current row fills it (reused between rows).
    slots: Vec<Option<usize>>,
}

impl WideColumns {
    fn new(plan: &SurveyPlan) -> Self {
        let questions: Vec<QuestionBuilders> = plan
            .answered_questions()
            .map(|q| QuestionBuilders {
                question: q.clone(),
                answer: match q.answer {
                    AnswerKind::Number => AnswerColumn::Number(Int16Builder::new()),
                    _ => AnswerColumn::Text(StringBuilder::new()),
                },
                sentiment: q.sentiment_column.as_ref().map(|_| Dictionary::new()),
                comment: q.comment_column.as_ref().map(|_| StringBuilder::new()),
                tags: ListBuilder::new(StringBuilder::new()),
            })
            .collect();
        let by_id = questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.question.id.clone(), i))
            .collect();
        let slots = vec![None; questions.len()];
        Self {
            questions,
            by_id,
            other_answers: StringBuilder::new(),
            slots,
        }
    }

    fn append(&mut self, row: &ResponseRow) {
        self.slots.iter_mut().for_each(|s| *s = None);
        let mut others = Vec::new();
        for (index, answer) in row.answers.0.iter().enumerate() {
            let slot = answer
                .question_id
                .as_str()
                .and_then(|id| self.by_id.get(id).copied());
            match slot {
                Some(slot) if self.slots[slot].is_none() && self.questions[slot].fits(answer) => {
                    self.slots[slot] = Some(index);
                }
                _ => others.push(answer.to_json()),
            }
        }
        for (slot, question) in self.slots.iter().zip(&mut self.questions) {
            question.append(slot.map(|i| &row.answers.0[i]));
        }
        if others.is_empty() {
            self.other_answers.append_null();
        } else {
            self.other_answers
                .append_value(serde_json::Value::Array(others).to_string());
        }
    }

    fn text_bytes(&self) -> usize {
        self.questions
            .iter()
            .map(QuestionBuilders::text_bytes)
            .max()
            .unwrap_or(0)
            .max(self.other_answers.values_slice().len())
    }

    fn finish(&mut self) -> Vec<Column> {
        let mut out = Vec::new();
        for question in &mut self.questions {
            question.finish(&mut out);
        }
        out.push(Column::plain(
            OTHER_ANSWERS,
            Arc::new(self.other_answers.finish()),
        ));
        out
    }
}

struct LongColumns {
    question_id: StringBuilder,
    question_text: Dictionary,
    question_type: Dictionary,
    answer: StringBuilder,
    comment: StringBuilder,
    sentiment: Dictionary,
    tags: ListBuilder<StringBuilder>,
}

impl LongColumns {
    fn new() -> Self {
        Self {
            question_id: StringBuilder::new(),
            question_text: Dictionary::new(),
            question_type: Dictionary::new(),
            answer: StringBuilder::new(),
            comment: StringBuilder::new(),
            sentiment: Dictionary::new(),
            tags: ListBuilder::new(StringBuilder::new()),
        }
    }

    fn append(&mut self, plan: &SurveyPlan, answer: Option<&AnswerRow>) {
        let id = answer.and_then(|a| a.question_id.as_str());
        // An answer to a question the survey no longer lists keeps its id; text and type are
        // then unknown (null).
        let question = id.and_then(|id| plan.question(id));
        self.question_id.append_option(id);
        self.question_text
            .append_option(question.map(|q| q.text.as_str()));
        self.question_type
            .append_option(question.map(|q| q.kind.as_str()));
        self.answer
            .append_option(answer.and_then(|a| a.answer.as_str()));
        self.comment
            .append_option(answer.and_then(|a| a.comment.as_str()));
        self.sentiment
            .append_option(answer.and_then(|a| a.sentiment.as_str()));
        append_tags(&mut self.tags, answer);
    }

    fn text_bytes(&self) -> usize {
        [
            self.question_id.values_slice().len(),
            self.answer.values_slice().len(),
            self.comment.values_slice().len(),
            self.tags.values_ref().values_slice().len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    fn finish(&mut self) -> Vec<Column> {
        let arrays: [(&str, ArrayRef); 7] = [
            ("question_id", Arc::new(self.question_id.finish())),
            ("question_text", Arc::new(self.question_text.finish())),
            ("question_type", Arc::new(self.question_type.finish())),
            ("answer", Arc::new(self.answer.finish())),
            ("comment", Arc::new(self.comment.finish())),
            ("sentiment", Arc::new(self.sentiment.finish())),
            ("tags", Arc::new(self.tags.finish())),
        ];
        arrays
            .into_iter()
            .map(|(name, array)| Column::plain(name, array))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    use serde_json::json;

    fn plan() -> SurveyPlan {
        SurveyPlan::from_survey(
            "77",
            &json!({"name": "S", "sentiment_analysis_enabled": true, "questions": [
                {"id": "1", "type": "nps", "text": "Score?"},
                {"id": "2", "type": "long-text", "text": "Why?"},
                {"id": "3", "type": "single-option", "text": "Pick",
                 "choices": [{"text": "Other", "allow_comment": true}]},
                {"id": "4", "type": "statement", "text": "Thanks"},
            ]}),
        )
    }

    fn page() -> Vec<u8> {
        json!({"results": [
            {"id": 10, "created_time": "2024-06-20T17:42:05Z", "is_complete": true,
             "country": "DE", "window_size": {"width": 390, "height": 844},
             "user_attributes": [{"name": "plan", "value": "pro"}, {"name": "ltv", "value": 12.5}],
             "answers": [
                {"question_id": 1, "answer": "9", "comment": null, "tags": [], "sentiment": null},
                {"question_id": "2", "answer": "Great", "tags": [{"name": "ux"}, "bare"],
                 "sentiment": "positive"},
                {"question_id": "3", "answer": "Other", "comment": "Just looking"},
                {"question_id": "99", "answer": "orphan", "tags": []},
                {"question_id": "1", "answer": "10"},
             ]},
            {"id": "11", "created_time": "not a time", "window_width": 1536, "window_height": 730,
             "window_size": "garbage", "user_attributes": null,
             "answers": [{"question_id": "1", "answer": "n/a"}, {"question_id": "4", "answer": "x"}]},
            {"id": "12", "answers": []},
            {"id": "13", "answers": null},
        ], "next_cursor": null})
        .to_string()
        .into_bytes()
    }

    fn column<'a>(batch: &'a RecordBatch, name: &str) -> &'a ArrayRef {
        batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    #[test]
    fn wide_rows_keep_every_answer_somewhere() {
        let mut builder = TableBuilder::new(plan(), Shape::Wide);
        builder
            .append_page(&page(), &[true, true, true, false])
            .expect("page");
        let batch = builder.finish().expect("batch");
        assert_eq!(batch.num_rows(), 3);
        assert_eq!(builder.responses(), 3);
        let names: Vec<_> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(
            names[RESPONSE_COLUMNS.len()..],
            [
                "Score?",
                "Score? [tags]",
                "Why?",
                "Why? [sentiment]",
                "Why? [tags]",
                "Pick",
                "Pick [comment]",
                "Pick [tags]",
                "other_answers"
            ]
        );
        let ids = column(&batch, "response_id").as_string::<i32>();
        assert_eq!((ids.value(0), ids.value(1)), ("10", "11"));
        let score = column(&batch, "Score?").as_primitive::<arrow_array::types::Int16Type>();
        assert_eq!(score.value(0), 9);
        // "n/a" does not fit a number column: null there, kept whole in other_answers.
        assert!(score.is_null(1));
        let other = column(&batch, "other_answers").as_string::<i32>();
        let first: serde_json::Value = serde_json::from_str(other.value(0)).expect("json");
        assert_eq!(first[0]["question_id"], "99");
        assert_eq!(
            first[1]["answer"], "10",
            "a second answer to one question is kept"
        );
        let second: serde_json::Value = serde_json::from_str(other.value(1)).expect("json");
        assert_eq!(second[0]["answer"], "n/a");
        assert_eq!(
            second[1]["question_id"], "4",
            "an answer to a statement is kept"
        );
        assert!(other.is_null(2));
        let tags = column(&batch, "Why? [tags]").as_list::<i32>();
        let first_tags = tags.value(0);
        let first_tags = first_tags.as_string::<i32>();
        assert_eq!((first_tags.value(0), first_tags.value(1)), ("ux", "bare"));
        assert!(tags.is_null(1), "unanswered: null, not []");
        assert_eq!(
            column(&batch, "Pick [comment]").as_string::<i32>().value(0),
            "Just looking"
        );
        let width = column(&batch, "window_width").as_primitive::<arrow_array::types::Int32Type>();
        assert_eq!((width.value(0), width.value(1)), (390, 1536));
        assert!(column(&batch, "created_time").is_null(1));
        let attributes = column(&batch, "user_attributes").as_map();
        let values = attributes.value(0);
        assert_eq!(values.column(1).as_string::<i32>().value(1), "12.5");
        assert_eq!(attributes.value(1).len(), 0);
    }

    #[test]
    fn long_rows_one_per_answer_and_one_for_a_response_without_answers() {
        let mut builder = TableBuilder::new(plan(), Shape::Long);
        builder
            .append_page(&page(), &[true, true, true, true])
            .expect("page");
        let batch = builder.finish().expect("batch");
        assert_eq!(batch.num_rows(), 5 + 2 + 1 + 1);
        assert_eq!(builder.responses(), 4);
        let qid = column(&batch, "question_id").as_string::<i32>();
        assert_eq!(qid.value(3), "99");
        let text = column(&batch, "question_text");
        assert!(text.is_null(3), "an orphan's text is unknown");
        assert!(qid.is_null(7) && qid.is_null(8));
        assert_eq!(column(&batch, "answer").as_string::<i32>().value(5), "n/a");
    }

    #[test]
    fn finishing_twice_gives_the_same_schema_and_empty_batches_have_it() {
        let mut builder = TableBuilder::new(plan(), Shape::Wide);
        let empty = builder.finish().expect("empty");
        builder.append_page(&page(), &[true; 4]).expect("page");
        let full = builder.finish().expect("full");
        assert_eq!(empty.num_rows(), 0);
        assert_eq!(empty.schema(), full.schema());
        assert_eq!(full.schema().metadata()["hotjar.survey_id"], "77");
    }

    #[test]
    fn a_page_whose_item_count_changed_or_shape_is_wrong_is_an_error() {
        let mut builder = TableBuilder::new(plan(), Shape::Wide);
        assert!(builder.append_page(&page(), &[true]).is_err());
        let bad = br#"{"results": [{"id": "1", "answers": {"not": "a list"}}]}"#;
        let error = builder.append_page(bad, &[true]).expect_err("bad shape");
        assert_eq!(error.kind(), ErrorKind::InvalidResponse);
        assert_eq!(builder.responses(), 0, "nothing half-appended");
    }

    #[test]
    fn a_survey_without_questions_keeps_every_answer_in_other_answers() {
        let plan = SurveyPlan::from_survey("5", &json!({"name": "no questions"}));
        let mut builder = TableBuilder::new(plan, Shape::Wide);
        builder.append_page(&page(), &[true; 4]).expect("page");
        let batch = builder.finish().expect("batch");
        assert_eq!(batch.num_columns(), RESPONSE_COLUMNS.len() + 1);
        let other = column(&batch, "other_answers").as_string::<i32>();
        let first: serde_json::Value = serde_json::from_str(other.value(0)).expect("json");
        assert_eq!(first.as_array().map(Vec::len), Some(5));
    }

    #[test]
    fn a_table_refuses_more_text_than_a_column_can_hold_and_keeps_what_it_has() {
        let mut builder = TableBuilder::new(plan(), Shape::Wide);
        builder.max_text_bytes = 10;
        builder
            .append_page(&page(), &[true; 4])
            .expect("first page");
        let error = builder
            .append_page(&page(), &[true; 4])
            .expect_err("over the limit");
        assert_eq!(error.kind(), ErrorKind::TooLarge);
        assert!(error.message().contains("export_responses"), "{error}");
        assert_eq!(builder.finish().expect("kept").num_rows(), 4);
    }

    #[test]
    fn shapes_parse_strictly() {
        assert_eq!(Shape::parse("long").expect("long"), Shape::Long);
        let error = Shape::parse("Wide").expect_err("case matters");
        assert!(error.message().contains("\"wide\""));
    }
}
