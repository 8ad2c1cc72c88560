//! Survey responses as Arrow columns: one row per response (`wide`) or per answer (`long`),
//! decoded from each page's bytes straight into Arrow builders, with no JSON tree in between.
//!
//! The columns of the wide shape come from the survey's questions (`get_survey`), read before
//! the first response, so the schema is known up front and a file can be written page by page.
//! An answer that has no column of its own (its question is no longer listed, or it does not
//! fit the question's columns) is kept whole, as JSON, in `other_answers`: nothing is dropped.

mod builder;
mod rows;
mod survey;

use arrow_array::RecordBatch;
use jiff::Timestamp;

pub use builder::{Shape, TableBuilder};
pub use survey::{SurveyPlan, OTHER_ANSWERS};
// What the bindings tell Python of a question type (`_native.question_column_kind`).
#[cfg(feature = "python")]
pub use survey::{answer_kind, is_known_type, AnswerKind};

use crate::client::HotjarClient;
use crate::error::{Error, ExportError, Result};
use crate::ids::Id;

/// The columns a survey's responses will have (fetches the survey once).
pub(crate) async fn survey_plan(
    client: &HotjarClient,
    site: &Id,
    survey: &Id,
) -> Result<SurveyPlan> {
    let value = client.get_survey(site, survey).await?;
    Ok(SurveyPlan::from_survey(survey.as_str(), &value))
}

/// A table of a survey's responses (at or after `since`) in `shape`, from the newest response
/// or from `resume_cursor`, where a failed table stopped ([`ExportError::resume_cursor`]).
#[derive(Debug, Clone)]
pub struct TableRequest<'a> {
    pub site: &'a Id,
    pub survey: &'a Id,
    pub shape: Shape,
    pub since: Option<Timestamp>,
    pub resume_cursor: Option<String>,
}

/// Every response of a survey (at or after `since`) as one Arrow record batch. On failure
/// the error carries the rows of every page read so far and where to resume.
pub(crate) async fn responses_table(
    client: &HotjarClient,
    request: TableRequest<'_>,
) -> Result<RecordBatch, ExportError<Option<RecordBatch>>> {
    let TableRequest {
        site,
        survey,
        shape,
        since,
        resume_cursor,
    } = request;
    let plan = client
        .survey_plan(site, survey)
        .await
        .map_err(|error| ExportError {
            error,
            partial: None,
            resume_cursor: resume_cursor.clone(),
        })?;
    let mut builder = TableBuilder::new(plan, shape);
    let mut pages = client
        .response_stream(site, survey, since, resume_cursor)
        .prefetch();
    let failed = |builder: &mut TableBuilder, error: Error, cursor: Option<String>| ExportError {
        error,
        partial: builder.finish().ok(),
        resume_cursor: cursor,
    };
    while let Some(next) = pages.next().await {
        match next {
            Ok(batch) => {
                if let Err(error) = builder.append_page(batch.body(), &batch.keep) {
                    return Err(failed(&mut builder, error, batch.cursor));
                }
            }
            Err((error, cursor)) => return Err(failed(&mut builder, error, cursor)),
        }
    }
    builder.finish().map_err(|error| ExportError {
        error,
        partial: None,
        resume_cursor: None,
    })
}
