//! The Rust core against the bundled fake, end to end over loopback: what a Rust user of the
//! crate gets without Python.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use hotjar_client::fake::{FakeConfig, FakeServer, Fault, InjectedFailure, Plan};
use hotjar_client::{ClientConfig, ErrorKind, HotjarClient, Id, IdKind};

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
        numeric_ids: true,
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
    let since = hotjar_client::timestamps::parse_since(&cutoff).unwrap();
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

#[tokio::test]
async fn the_fake_counts_no_429_for_a_paced_client() {
    let fake = fake(FakeConfig {
        rate_limit: Some(600),
        responses_per_survey: vec![2500],
        ..FakeConfig::default()
    })
    .await;
    let client = client_for(&fake, |c| c.requests_per_minute = Some(600));
    let id = &fake.dataset().survey_ids()[0];
    let rows = client
        .responses(&site(&fake), &survey(id), None, None)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2500);
    let stats = fake.stats();
    assert_eq!(stats.rate_limited, 0);
    assert!(stats.busiest_minute <= 600);
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
