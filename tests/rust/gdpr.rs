//! GDPR lookups and deletions from Rust, against the bundled fake: results, resend rules, and
//! that no log line, error or debug output ever holds a data subject in full.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::Duration;

use hotjar_client::{Action, BulkRequest, Subject};
use hotjar_client::{ClientConfig, ErrorKind, HotjarClient, Id, IdKind};
use hotjar_fake::{FakeConfig, FakeServer, InjectedFailure};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Every log line of this test binary, at every level.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}", record.level(), record.args());
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }

    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

fn capture_logs() {
    // Several tests call this; only the first one installs the logger.
    if log::set_logger(&LOGS).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
}

fn logs() -> Vec<String> {
    LOGS.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

async fn fake() -> FakeServer {
    FakeServer::start(FakeConfig::default(), LOCALHOST, 0)
        .await
        .unwrap()
}

fn client_for(fake: &FakeServer) -> HotjarClient {
    let mut config = ClientConfig::new(fake.client_id(), fake.client_secret());
    config.base_url = fake.url();
    config.retry_backoff = Duration::from_millis(5);
    config.max_backoff = Duration::from_millis(50);
    HotjarClient::new(config).unwrap()
}

fn organization(fake: &FakeServer) -> Id {
    Id::parse(IdKind::Organization, fake.organization_id()).unwrap()
}

fn fail_next(fake: &FakeServer, status: u16, body: Option<String>) {
    fake.fail_next(
        1,
        InjectedFailure {
            body: body.map(String::into_bytes),
            ..InjectedFailure::status(status)
        },
    );
}

fn lookup_statuses(fake: &FakeServer) -> Vec<u16> {
    let path = format!("/v1/organizations/{}/user-lookup", fake.organization_id());
    fake.request_log()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn no_log_line_error_or_debug_output_holds_the_subject() {
    capture_logs();
    let fake = fake().await;
    let client = client_for(&fake);
    let org = organization(&fake);
    let email = "secret.person@example.org";
    let user = "user-4242-secret";
    let site = Id::parse(IdKind::Site, fake.site_id()).unwrap();
    let subject = Subject::new(Some(email), vec![(site, user.to_string())]).unwrap();
    let mut shown = vec![format!("{subject:?}"), subject.to_string()];

    // A success of each kind, a retried deletion, a lookup that is not resent, and a server
    // message that echoes the subject.
    client.user_lookup(&org, &subject).await.unwrap();
    fail_next(&fake, 503, None);
    let deleted = client.delete_user_data(&org, &subject, true).await.unwrap();
    shown.push(format!("{deleted:?}"));
    fail_next(&fake, 500, None);
    let not_resent = client.user_lookup(&org, &subject).await.unwrap_err();
    let echo = format!(r#"{{"message":"unknown subject {email} with id {user}"}}"#);
    fail_next(&fake, 400, Some(echo));
    let echoed = client.user_lookup(&org, &subject).await.unwrap_err();
    let unconfirmed = client
        .delete_user_data(&org, &subject, false)
        .await
        .unwrap_err();
    for error in [&not_resent, &echoed, &unconfirmed] {
        shown.push(error.to_string());
        shown.push(format!("{error:?}"));
    }
    shown.push(format!("{:?}", fake.lookups()));
    let mut bulk = client
        .lookup_many(BulkRequest {
            organization: &org,
            action: Action::Lookup,
            subjects: vec![(0, subject.clone())],
            concurrency: 1,
            confirm: false,
        })
        .unwrap();
    shown.push(format!("{bulk:?}"));
    while let Some((_, result)) = bulk.next().await {
        shown.push(format!("{result:?}"));
    }

    assert_eq!(echoed.kind(), ErrorKind::BadRequest);
    assert!(echoed.message().contains("s***@example.org"), "{echoed}");
    assert_eq!(unconfirmed.kind(), ErrorKind::ConfirmationRequired);
    let logged = logs();
    assert!(
        logged.iter().any(|l| l.contains("user-lookup")),
        "{logged:?}"
    );
    assert!(logged.iter().any(|l| l.contains("Retry")), "{logged:?}");
    for text in shown.iter().chain(&logged) {
        assert!(!text.contains("secret.person"), "{text}");
        assert!(!text.contains(user), "{text}");
    }
}

#[tokio::test]
async fn a_deletion_is_resent_after_a_500_and_a_lookup_is_not() {
    let fake = fake().await;
    let client = client_for(&fake);
    let org = organization(&fake);
    let subject = Subject::from_email("jane@example.com").unwrap();

    fail_next(&fake, 500, None);
    let outcome = client.delete_user_data(&org, &subject, true).await.unwrap();
    assert_eq!((outcome.action, outcome.http_status), (Action::Delete, 200));
    assert_eq!(outcome.subject.email.as_deref(), Some("j***@example.com"));
    assert_eq!(lookup_statuses(&fake), vec![500, 200]);

    fake.clear_request_log();
    fail_next(&fake, 500, None);
    let error = client.user_lookup(&org, &subject).await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(lookup_statuses(&fake), vec![500]);
    let records = fake.lookups();
    assert_eq!(records.len(), 1); // the deletion; the failed lookup was never accepted
    assert_eq!(records[0].action, "delete");
}

#[tokio::test]
async fn an_unconfirmed_deletion_sends_nothing() {
    let fake = fake().await;
    let client = client_for(&fake);
    let org = organization(&fake);
    let subjects: Vec<(usize, Subject)> = fake
        .subjects()
        .into_iter()
        .take(4)
        .enumerate()
        .map(|(i, s)| (i, Subject::from_email(&s.email).unwrap()))
        .collect();
    let single = client
        .delete_user_data(&org, &subjects[0].1, false)
        .await
        .unwrap_err();
    let bulk = client
        .lookup_many(BulkRequest {
            organization: &org,
            action: Action::Delete,
            subjects,
            concurrency: 2,
            confirm: false,
        })
        .unwrap_err();
    assert_eq!(single.kind(), ErrorKind::ConfirmationRequired);
    assert_eq!(bulk.kind(), ErrorKind::ConfirmationRequired);
    assert!(bulk.message().contains("4 data subjects"), "{bulk}");
    assert!(bulk.message().contains("and 1 more"), "{bulk}");
    assert!(fake.request_log().is_empty());
}

#[tokio::test]
async fn a_bulk_run_gives_one_result_per_subject_and_erases_the_deleted() {
    let fake = fake().await;
    let client = client_for(&fake);
    let org = organization(&fake);
    let subjects = fake.subjects();
    let chosen: Vec<(usize, Subject)> = subjects
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, s)| (i * 10, Subject::from_email(&s.email).unwrap()))
        .collect();
    let survey = fake.dataset().survey_ids()[0].clone();
    let before = fake.responses_truth(&survey).unwrap().len();

    let mut bulk = client
        .lookup_many(BulkRequest {
            organization: &org,
            action: Action::Delete,
            subjects: chosen,
            concurrency: 3,
            confirm: true,
        })
        .unwrap();
    let mut rows = Vec::new();
    while let Some((row, result)) = bulk.next().await {
        assert_eq!(result.unwrap().http_status, 200);
        rows.push(row);
    }
    rows.sort_unstable();
    assert_eq!(rows, (0..10).map(|i| i * 10).collect::<Vec<_>>());
    assert_eq!(fake.lookups().len(), 10);
    assert!(fake.responses_truth(&survey).unwrap().len() < before);
    let left: Vec<String> = fake.subjects().into_iter().map(|s| s.email).collect();
    for gone in subjects.iter().take(10) {
        let still = fake
            .subjects()
            .into_iter()
            .find(|s| s.email == gone.email)
            .map_or(0, |s| s.responses_by_email);
        assert_eq!(still, 0, "{}", gone.email);
    }
    assert!(!left.is_empty());
}

#[tokio::test]
async fn the_same_person_twice_is_sent_once_and_every_copy_gets_the_result() {
    let fake = fake().await;
    let client = client_for(&fake);
    let org = organization(&fake);
    let email = fake.subjects()[0].email.clone();
    let (local, domain) = email.split_once('@').unwrap();
    let shouted = format!(" {local}@{} ", domain.to_uppercase());
    let other_local = format!("{}@{domain}", local.to_uppercase());
    let subjects = vec![
        (0, Subject::from_email(&email).unwrap()),
        (1, Subject::from_email(&shouted).unwrap()),
        (2, Subject::from_email(&other_local).unwrap()),
        (3, Subject::from_email(&email).unwrap()),
    ];
    let mut bulk = client
        .lookup_many(BulkRequest {
            organization: &org,
            action: Action::Lookup,
            subjects,
            concurrency: 2,
            confirm: false,
        })
        .unwrap();
    let mut merged: Vec<(usize, usize)> = bulk.duplicates().iter().map(|(a, b)| (*a, *b)).collect();
    merged.sort_unstable();
    assert_eq!(merged, vec![(1, 0), (3, 0)]);
    let mut rows = Vec::new();
    while let Some((row, result)) = bulk.next().await {
        assert_eq!(result.unwrap().http_status, 200);
        rows.push(row);
    }
    rows.sort_unstable();
    assert_eq!(rows, vec![0, 1, 2, 3]);
    // The part before the @ may be case-sensitive: that address is another person.
    assert_eq!(fake.lookups().len(), 2);
}
