//! The Rust core against the bundled fake, end to end over loopback: what a Rust user of the
//! crate gets without Python.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use hotjar_client::{ClientConfig, ErrorKind, HotjarClient, Id, IdKind};
use hotjar_fake::{FakeConfig, FakeServer, Fault, IdStyle, InjectedFailure, Plan};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn fake(config: FakeConfig) -> FakeServer {
    FakeServer::start(config, LOCALHOST, 0).await.unwrap()
}

fn client_for(fake: &FakeServer, tweak: impl FnOnce(&mut ClientConfig)) -> HotjarClient {
    let mut config = ClientConfig::new(fake.client_id(), fake.client_secret());
    config.base_url = fake.url();
    config.retry_backoff = Duration::from_millis(5);
    config.max_backoff = Duration::from_millis(50);
    tweak(&mut config);
    HotjarClient::new(config).unwrap()
}

fn site(fake: &FakeServer) -> Id {
    Id::parse(IdKind::Site, fake.site_id()).unwrap()
}

fn survey(id: &str) -> Id {
    Id::parse(IdKind::Survey, id).unwrap()
}

fn failure(status: u16, retry_after: Option<u64>) -> InjectedFailure {
    InjectedFailure {
        retry_after,
        ..InjectedFailure::status(status)
    }
}

#[tokio::test]
async fn exports_every_survey_exactly() {
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |_| {});
    let surveys = client.list_surveys(&site(&fake), true).await.unwrap();
    assert_eq!(surveys, fake.dataset().surveys_truth(true));
    for id in fake.dataset().survey_ids() {
        let rows = client
            .responses(&site(&fake), &survey(&id), None, None)
            .await
            .unwrap();
        assert_eq!(rows, fake.responses_truth(&id).unwrap(), "survey {id}");
    }
    // 1234 + 250 + 0 + 100 + 37 responses: 13 + 3 + 1 + 1 + 1 pages, one list, one token.
    assert_eq!(client.stats().requests, 21);
}

#[tokio::test]
async fn numeric_ids_come_out_as_strings() {
    let fake = fake(FakeConfig {
        id_style: IdStyle::Numeric,
        responses_per_survey: vec![5],
        ..FakeConfig::default()
    })
    .await;
    let client = client_for(&fake, |_| {});
    let id = &fake.dataset().survey_ids()[0];
    let rows = client
        .responses(&site(&fake), &survey(id), None, None)
        .await
        .unwrap();
    assert_eq!(rows, fake.responses_truth(id).unwrap());
    assert!(rows[0]["id"].is_string());
    assert!(rows[0]["answers"][0]["question_id"].is_string());
}

#[tokio::test]
async fn opaque_ids_are_kept_as_sent_through_every_survey() {
    let fake = fake(FakeConfig {
        id_style: IdStyle::Opaque,
        responses_per_survey: vec![150, 3, 0],
        ..FakeConfig::default()
    })
    .await;
    let client = client_for(&fake, |_| {});
    let ids = client.survey_ids(&site(&fake)).await.unwrap();
    let expected = fake.dataset().survey_ids();
    assert_eq!(
        ids.iter()
            .map(|i| i.as_str().to_string())
            .collect::<Vec<_>>(),
        expected
    );
    assert!(expected.iter().all(|id| id.starts_with("survey_")));
    for id in &ids {
        let rows = client
            .responses(&site(&fake), id, None, None)
            .await
            .unwrap();
        assert_eq!(
            rows,
            fake.responses_truth(id.as_str()).unwrap(),
            "survey {id}"
        );
    }
    let survey = client.get_survey(&site(&fake), &ids[0]).await.unwrap();
    assert!(survey["questions"][0]["id"]
        .as_str()
        .is_some_and(|q| q.starts_with("question_")));
}

#[tokio::test]
async fn a_401_fetches_one_new_token_and_goes_on() {
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |_| {});
    let id = &fake.dataset().survey_ids()[1];
    client.test_connection().await.unwrap();
    fake.expire_tokens();
    let rows = client
        .responses(&site(&fake), &survey(id), None, None)
        .await
        .unwrap();
    assert_eq!(rows.len(), 250);
    assert_eq!(fake.stats().tokens_issued, 2);
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_with_what_was_fetched() {
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |c| c.max_retries = 2);
    let id = &fake.dataset().survey_ids()[0];
    fake.fail_next(2, failure(503, None));
    let rows = client
        .responses(&site(&fake), &survey(id), None, None)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1234);
    assert_eq!(client.stats().retries, 2);

    // Fail for good after the first page: the error keeps page one and says where to resume.
    let mut stream = client.response_stream(&site(&fake), &survey(id), None, None);
    let first = stream.next_batch().await.unwrap().unwrap();
    fake.fail_next(3, failure(502, None));
    let error = stream.next_batch().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.status(), Some(502));
    assert!(
        error.message().contains("gave up after 3 attempts"),
        "{error}"
    );
    let cursor = stream.resume_cursor().map(str::to_string);
    let rest = client
        .responses(&site(&fake), &survey(id), None, cursor)
        .await
        .unwrap();
    let mut all = first;
    all.extend(rest);
    assert_eq!(all, fake.responses_truth(id).unwrap());
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |_| {});
    let id = &fake.dataset().survey_ids()[3];
    fake.fail_next(1, failure(429, Some(1)));
    let started = std::time::Instant::now();
    let rows = client
        .responses(&site(&fake), &survey(id), None, None)
        .await
        .unwrap();
    assert_eq!(rows.len(), 100);
    // The backoff alone would have waited 5 ms; waiting a second can only come from the header.
    assert!(started.elapsed() >= Duration::from_millis(990));
}

#[tokio::test]
async fn bad_credentials_are_final_and_never_retried() {
    let fake = fake(FakeConfig::default()).await;
    let mut config = ClientConfig::new(fake.client_id(), "wrong-secret");
    config.base_url = fake.url();
    let client = HotjarClient::new(config).unwrap();
    let error = client.test_connection().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Authentication);
    assert_eq!(error.status(), Some(401));
    assert!(error.message().contains("one year"), "{error}");
    assert!(!error.message().contains("wrong-secret"));
    assert_eq!(fake.request_log().len(), 1);
}

#[tokio::test]
async fn plan_gating_is_a_permission_error_naming_the_plan() {
    let fake = fake(FakeConfig {
        plan: Plan::ObserveScale,
        ..FakeConfig::default()
    })
    .await;
    let client = client_for(&fake, |_| {});
    let error = client.list_surveys(&site(&fake), false).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert!(error.message().contains("Ask Scale"), "{error}");
}

#[tokio::test]
async fn since_stops_paging_early() {
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |_| {});
    let id = &fake.dataset().survey_ids()[0];
    let truth = fake.responses_truth(id).unwrap();
    let cutoff = truth[250]["created_time"].as_str().unwrap().to_string();
    let since = hotjar_client::parse_since(&cutoff).unwrap();
    fake.clear_request_log();
    let rows = client
        .responses(&site(&fake), &survey(id), Some(since), None)
        .await
        .unwrap();
    assert_eq!(rows, truth[..=250].to_vec());
    let pages = fake
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/responses"))
        .count();
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn broken_json_is_retried_and_then_reported() {
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |c| c.max_retries = 1);
    let id = &fake.dataset().survey_ids()[3];
    let broken = InjectedFailure {
        body: Some(b"{\"results\": [".to_vec()),
        ..InjectedFailure::status(200)
    };
    fake.fail_next(1, broken.clone());
    assert_eq!(
        client
            .responses(&site(&fake), &survey(id), None, None)
            .await
            .unwrap()
            .len(),
        100
    );
    fake.fail_next(2, broken);
    let failure = client
        .responses(&site(&fake), &survey(id), None, None)
        .await
        .unwrap_err();
    assert_eq!(failure.error.kind(), ErrorKind::InvalidResponse);
    assert!(failure.partial.is_empty());
    assert_eq!(failure.resume_cursor, None);
}

/// A client limited to 20 a minute exports 24 pages from a fake that refuses a 21st request in
/// any 60 s: the job crosses the window, so an unpaced client draws 429s here. It runs on
/// tokio's paused clock, which the client's limiter and the fake's window both read, so its
/// 76 virtual seconds take about a second.
#[tokio::test(start_paused = true)]
async fn the_fake_counts_no_429_for_a_client_paced_across_its_window() {
    // While a request is on the wire the runtime has nothing to run, and a paused clock then
    // jumps to the next timer (a connection pool's 90 s idle check, say). This ticker keeps a
    // timer 10 ms away, so virtual time moves on in small steps at most while the fake answers.
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    let fake = fake(FakeConfig {
        rate_limit: Some(20),
        responses_per_survey: vec![2400],
        ..FakeConfig::default()
    })
    .await;
    let client = client_for(&fake, |c| {
        c.requests_per_minute = Some(20);
        // Not the subject here; the most, so that no late wake-up can ever time a request out.
        c.timeout = Duration::from_secs(3600);
    });
    let id = &fake.dataset().survey_ids()[0];
    let rows = client
        .responses(&site(&fake), &survey(id), None, None)
        .await
        .unwrap();
    ticker.abort();
    assert_eq!(rows, fake.responses_truth(id).unwrap());
    let stats = fake.stats();
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    assert!(stats.busiest_minute <= 20, "{stats:?}");
    // One token and 24 pages: more than the window holds, spread over more than a minute.
    assert_eq!(stats.requests, 25);
    let log = fake.request_log();
    assert!(log[log.len() - 1].at - log[0].at > 60.0, "{log:?}");
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_walk_and_the_looping_page_is_fetched_again_on_resume() {
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |_| {});
    let id = &fake.dataset().survey_ids()[0];
    let truth = fake.responses_truth(id).unwrap();
    let mut stream = client.response_stream(&site(&fake), &survey(id), None, None);
    let first = stream.next_batch().await.unwrap().unwrap();
    assert_eq!(first, truth[..100]);
    let cursor = stream.resume_cursor().unwrap().to_string();
    // The second page points back at itself.
    fake.fail_next(1, InjectedFailure::fault(Fault::RepeatCursor));
    let error = stream.next_batch().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("already"), "{error}");
    // The looping page is not used: resuming fetches it again, so nothing is lost or doubled.
    assert_eq!(stream.resume_cursor(), Some(cursor.as_str()));
    // It stays stopped: no request goes out for the looping cursor.
    let sent = fake.request_log().len();
    assert!(stream.next_batch().await.is_err());
    assert_eq!(fake.request_log().len(), sent);
    let rest = client
        .responses(&site(&fake), &survey(id), None, Some(cursor))
        .await
        .unwrap();
    assert_eq!([first, rest].concat(), truth);
}

/// A fresh folder under the system's temp dir for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hotjar-client-e2e-{name}-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read_parquet(path: &std::path::Path) -> arrow_array::RecordBatch {
    let file = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let schema = batches[0].schema();
    arrow_select_concat(&schema, &batches)
}

fn arrow_select_concat(
    schema: &arrow_schema::SchemaRef,
    batches: &[arrow_array::RecordBatch],
) -> arrow_array::RecordBatch {
    let columns = (0..schema.fields().len())
        .map(|i| {
            let parts: Vec<&dyn arrow_array::Array> =
                batches.iter().map(|b| b.column(i).as_ref()).collect();
            arrow_select::concat::concat(&parts).unwrap()
        })
        .collect();
    arrow_array::RecordBatch::try_new(schema.clone(), columns).unwrap()
}

fn ids_of(batch: &arrow_array::RecordBatch) -> Vec<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::Array;
    let ids = batch
        .column_by_name("response_id")
        .unwrap()
        .as_string::<i32>();
    (0..ids.len()).map(|i| ids.value(i).to_string()).collect()
}

#[tokio::test]
async fn a_parquet_export_holds_the_same_rows_as_the_table() {
    use hotjar_client::{ExportRequest, ExportStart, FileFormat};
    use hotjar_client::{Shape, TableRequest};
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |c| c.requests_per_minute = None);
    let id = &fake.dataset().survey_ids()[0];
    let table = client
        .responses_table(TableRequest {
            site: &site(&fake),
            survey: &survey(id),
            shape: Shape::Wide,
            since: None,
            resume_cursor: None,
        })
        .await
        .unwrap();
    let dir = scratch("parquet");
    let path = dir.join("out.parquet");
    let summary = client
        .export_responses(ExportRequest {
            site: &site(&fake),
            survey: &survey(id),
            path: &path,
            format: FileFormat::Parquet,
            shape: Shape::Wide,
            since: None,
            start: ExportStart::Newest,
            csv_formula_guard: false,
        })
        .await
        .unwrap();
    assert_eq!((summary.responses, summary.pages), (1234, 13));
    let read = read_parquet(&path);
    assert_eq!(read.num_rows(), 1234);
    assert_eq!(ids_of(&read), ids_of(&table));
    for (field, column) in table.schema().fields().iter().zip(table.columns()) {
        let back = read.column_by_name(field.name()).unwrap();
        // Parquet may hand dictionaries back as plain strings; compare as text.
        let as_text = |a: &dyn arrow_array::Array| {
            // Instants as numbers: the formatter would need chrono-tz for the zone "UTC".
            let a = match a.data_type() {
                arrow_schema::DataType::Timestamp(..) => {
                    arrow_cast::cast(a, &arrow_schema::DataType::Int64).unwrap()
                }
                _ => arrow_array::make_array(a.to_data()),
            };
            arrow_cast::display::ArrayFormatter::try_new(a.as_ref(), &Default::default())
                .map(|f| {
                    (0..a.len())
                        .map(|i| f.value(i).to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap()
        };
        assert_eq!(
            as_text(back.as_ref()),
            as_text(column.as_ref()),
            "{}",
            field.name()
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("out.parquet")],
        "no temp file is left"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_failed_export_keeps_a_partial_file_and_resumes() {
    use hotjar_client::Shape;
    use hotjar_client::{ExportRequest, ExportStart, FileFormat};
    let fake = fake(FakeConfig::default()).await;
    let client = client_for(&fake, |c| {
        c.requests_per_minute = None;
        c.max_retries = 1;
    });
    let id = fake.dataset().survey_ids()[0].clone();
    let dir = scratch("partial");
    let path = dir.join("out.csv");
    fake.set_latency(Duration::from_millis(20));
    let export = {
        let (client, site, survey, path) = (client.clone(), site(&fake), survey(&id), path.clone());
        tokio::spawn(async move {
            client
                .export_responses(ExportRequest {
                    site: &site,
                    survey: &survey,
                    path: &path,
                    format: FileFormat::Csv,
                    shape: Shape::Wide,
                    since: None,
                    start: ExportStart::Newest,
                    csv_formula_guard: false,
                })
                .await
        })
    };
    // Once three pages were served, the server fails for good.
    while fake
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/responses"))
        .count()
        < 3
    {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    fake.fail_next(2, failure(500, None));
    let error = export.await.unwrap().unwrap_err();
    assert_eq!(error.error.kind(), ErrorKind::Server);
    assert!(!path.exists(), "a failed export never has the final name");
    let partial = error.partial.clone().unwrap();
    assert!(partial.to_string_lossy().ends_with("out.csv.partial"));
    assert!(
        error.error.message().contains("out.csv.partial"),
        "{}",
        error.error
    );

    fake.set_latency(Duration::ZERO);
    let rest_path = dir.join("rest.csv");
    let (site, survey) = (site(&fake), survey(&id));
    let rest = ExportRequest {
        site: &site,
        survey: &survey,
        path: &rest_path,
        format: FileFormat::Csv,
        shape: Shape::Wide,
        since: None,
        start: ExportStart::Cursor(error.resume_cursor.clone().unwrap()),
        csv_formula_guard: false,
    };
    client.export_responses(rest.clone()).await.unwrap();
    let ids = |p: &std::path::Path| -> Vec<String> {
        let mut reader = csv::Reader::from_path(p).unwrap();
        reader
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect()
    };
    let mut all = ids(&partial);
    all.extend(ids(&rest_path));
    let truth: Vec<String> = fake
        .responses_truth(&id)
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all, truth);

    // Resumed in the same file, the partial export and its note make way for the whole.
    let whole = client
        .export_responses(ExportRequest {
            path: &path,
            start: ExportStart::Resume,
            ..rest
        })
        .await
        .unwrap();
    assert_eq!(ids(&path), truth);
    assert_eq!(whole.responses, truth.len());
    assert!(!partial.exists());
    std::fs::remove_dir_all(dir).unwrap();
}
