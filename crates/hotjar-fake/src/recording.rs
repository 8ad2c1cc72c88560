//! A recording of a real account's pages (`hotjar-client record`), served by the fake in place
//! of generated data: the surveys as recorded, and each survey's responses in the pages they
//! came in, so a client sees the same shapes and the same pagination as it saw live.
//!
//! The file is JSON Lines. The first line is the header
//! `{"hotjar_recording": 1, "site_id": "…", …}`; then one line `{"survey": {…}}` per survey
//! (as the single-survey endpoint sent it, with its questions), and one line
//! `{"survey_id": "…", "page": n, "results": […], "next_cursor": …}` per page of responses,
//! in order. Unknown keys are ignored, so later versions can add to a line.

use serde_json::Value;

/// The version of the recording format this fake reads.
pub const RECORDING_VERSION: u64 = 1;

/// A parsed recording.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    pub site_id: String,
    /// Survey objects with their questions, in the order of the survey list.
    pub surveys: Vec<Value>,
    /// Per survey (same order as `surveys`), its pages of responses.
    pub pages: Vec<Vec<Vec<Value>>>,
}

/// An id field as text: a string as is, a number as its digits.
pub(crate) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Recording {
    /// Reads a recording; the error says which line is wrong and why.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty());
        let Some((_, first)) = lines.next() else {
            return Err("the recording is empty".to_string());
        };
        let header: Value = serde_json::from_str(first)
            .map_err(|e| format!("line 1 is not JSON ({e}); is this a recording?"))?;
        match header.get("hotjar_recording").and_then(Value::as_u64) {
            Some(RECORDING_VERSION) => {}
            Some(other) => {
                return Err(format!(
                    "the recording is version {other}; this fake reads version \
                     {RECORDING_VERSION}"
                ))
            }
            None => {
                return Err(
                    "line 1 is no recording header (`hotjar-client record` writes \
                     {\"hotjar_recording\": 1, ...})"
                        .to_string(),
                )
            }
        }
        let site_id = header
            .get("site_id")
            .and_then(id_text)
            .ok_or("the header has no site_id")?;
        let mut recording = Recording {
            site_id,
            ..Recording::default()
        };
        let mut ids: Vec<String> = Vec::new();
        for (number, line) in lines {
            let line_no = number + 1;
            let value: Value = serde_json::from_str(line)
                .map_err(|e| format!("line {line_no} is not JSON ({e})"))?;
            if let Some(survey) = value.get("survey") {
                let id = survey
                    .get("id")
                    .and_then(id_text)
                    .ok_or(format!("line {line_no}: the survey has no id"))?;
                if ids.contains(&id) {
                    return Err(format!("line {line_no}: survey {id} is recorded twice"));
                }
                ids.push(id);
                recording.surveys.push(survey.clone());
                recording.pages.push(Vec::new());
            } else if let Some(id) = value.get("survey_id").and_then(id_text) {
                let index = ids.iter().position(|s| *s == id).ok_or(format!(
                    "line {line_no}: a page of survey {id}, which no earlier line records"
                ))?;
                let results = value
                    .get("results")
                    .and_then(Value::as_array)
                    .ok_or(format!("line {line_no}: the page has no results list"))?;
                recording.pages[index].push(results.clone());
            } else {
                return Err(format!(
                    "line {line_no} is neither a survey nor a page of responses"
                ));
            }
        }
        Ok(recording)
    }

    pub fn survey_ids(&self) -> Vec<String> {
        self.surveys
            .iter()
            .filter_map(|s| s.get("id").and_then(id_text))
            .collect()
    }

    pub fn survey_index(&self, id: &str) -> Option<usize> {
        self.surveys
            .iter()
            .position(|s| s.get("id").and_then(id_text).as_deref() == Some(id))
    }

    pub fn response_count(&self, survey: usize) -> usize {
        self.pages
            .get(survey)
            .map_or(0, |p| p.iter().map(Vec::len).sum())
    }

    /// A survey as the API sends it, without `questions` unless asked for.
    pub fn survey_value(&self, index: usize, with_questions: bool) -> Value {
        let mut survey = self.surveys.get(index).cloned().unwrap_or(Value::Null);
        if !with_questions {
            if let Some(map) = survey.as_object_mut() {
                map.remove("questions");
            }
        }
        survey
    }

    /// The recorded page that holds response `offset` of a survey: from `offset` to the end
    /// of that page, so a cursor at a page start replays the page exactly. Returns the
    /// responses and where the next page starts.
    pub fn page_at(&self, survey: usize, offset: usize) -> (&[Value], usize) {
        let mut start = 0;
        for page in self.pages.get(survey).into_iter().flatten() {
            let end = start + page.len();
            if offset < end {
                return (&page[offset - start..], end);
            }
            start = end;
        }
        (&[], start)
    }

    /// Every response of a survey, in order.
    pub fn responses(&self, survey: usize) -> impl Iterator<Item = &Value> {
        self.pages.get(survey).into_iter().flatten().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"{"hotjar_recording": 1, "site_id": 5}
{"survey": {"id": "survey_a", "name": "A", "questions": []}}
{"survey": {"id": 7, "name": "B"}}

{"survey_id": "survey_a", "page": 0, "results": [{"id": "r1"}, {"id": "r2"}], "next_cursor": "x"}
{"survey_id": "survey_a", "page": 1, "results": [{"id": "r3"}], "next_cursor": null}
"#;

    #[test]
    fn a_recording_keeps_its_surveys_and_page_boundaries() {
        let r = Recording::parse(TEXT).unwrap();
        assert_eq!(r.site_id, "5");
        assert_eq!(r.survey_ids(), ["survey_a", "7"]);
        assert_eq!(r.response_count(0), 3);
        assert_eq!(r.response_count(1), 0);
        let (page, next) = r.page_at(0, 0);
        assert_eq!((page.len(), next), (2, 2));
        let (page, next) = r.page_at(0, 2);
        assert_eq!((page.len(), next), (1, 3));
        assert_eq!(r.page_at(0, 3).0.len(), 0);
        assert!(r.survey_value(0, false).get("questions").is_none());
    }

    #[test]
    fn broken_recordings_say_which_line() {
        for (text, needle) in [
            ("", "empty"),
            ("{}", "header"),
            (r#"{"hotjar_recording": 2, "site_id": "1"}"#, "version 2"),
            ("{\"hotjar_recording\": 1, \"site_id\": \"1\"}\n{\"survey_id\": \"x\", \"results\": []}", "line 2"),
            ("{\"hotjar_recording\": 1, \"site_id\": \"1\"}\nnope", "line 2 is not JSON"),
        ] {
            let error = Recording::parse(text).unwrap_err();
            assert!(error.contains(needle), "{error}");
        }
    }
}
