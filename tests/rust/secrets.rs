//! The secret and the access tokens never reach a log line, an error or a `Debug` print: a
//! logger records every line while a client goes through a refused token, a server that echoes
//! the token back, a server that quotes the secret, retries, and a key revoked mid-export.
//! Its own test binary, because a logger is installed once per process.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::Duration;

use hotjar_client::{ClientConfig, ErrorKind, HotjarClient, Id, IdKind};
use hotjar_fake::{FakeConfig, FakeServer, Fault, InjectedFailure};
use log::{LevelFilter, Log, Metadata, Record};

/// Every token the fake issues starts with this.
const TOKEN_PREFIX: &str = "fake_at_";

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        LINES.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }

    fn flush(&self) {}
}

#[tokio::test]
async fn no_log_line_error_or_debug_print_holds_the_secret_or_a_token() {
    log::set_logger(&Capture).expect("the only logger of this binary");
    log::set_max_level(LevelFilter::Trace);

    let config = FakeConfig {
        responses_per_survey: vec![250],
        ..FakeConfig::default()
    };
    let fake = FakeServer::start(config, IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
        .await
        .expect("the fake starts");
    let secret = fake.client_secret().to_string();
    let mut settings = ClientConfig::new(fake.client_id(), &secret);
    settings.base_url = fake.url();
    settings.retry_backoff = Duration::from_millis(5);
    settings.max_retries = 2;
    let client = HotjarClient::new(settings).expect("valid settings");
    let site = Id::parse(IdKind::Site, fake.site_id()).expect("site id");
    let survey_id = fake.dataset().survey_ids()[0].clone();
    let survey = Id::parse(IdKind::Survey, &survey_id).expect("survey id");
    let mut seen = Vec::new();

    // A refused token, renewed silently.
    fake.fail_next(1, InjectedFailure::status(401));
    client.list_surveys(&site, false).await.expect("renewed");

    // A server that quotes the bearer token back.
    fake.fail_next(1, InjectedFailure::fault(Fault::EchoToken));
    let echoed = client.get_survey(&site, &survey).await.unwrap_err();
    assert!(echoed.message().contains("Bearer ***"), "{echoed}");
    seen.push(format!("{echoed} {echoed:?}"));

    // A server that quotes the secret, on every try: each retry logs a warning.
    let quoting = InjectedFailure {
        body: Some(format!(r#"{{"message": "config holds {secret}"}}"#).into_bytes()),
        ..InjectedFailure::status(503)
    };
    fake.fail_next(3, quoting);
    let quoted = client.list_surveys(&site, false).await.unwrap_err();
    assert_eq!(quoted.kind(), ErrorKind::Server);
    seen.push(format!("{quoted} {quoted:?}"));

    // The key revoked in the middle of an export.
    fake.fail_after(1, 1, InjectedFailure::fault(Fault::Revoke));
    let revoked = client
        .responses(&site, &survey, None, None)
        .await
        .unwrap_err();
    assert_eq!(revoked.error.kind(), ErrorKind::Authentication);
    assert_eq!(revoked.partial.len(), 100);
    seen.push(format!("{revoked} {revoked:?}"));
    fake.set_revoked(false);

    // A client that holds a token, printed for debugging (a token response printed alone:
    // `auth::tests::a_token_response_prints_without_its_token`).
    client.test_connection().await.expect("restored");
    seen.push(format!("{client:?}"));

    let lines = LINES.lock().unwrap_or_else(|p| p.into_inner()).clone();
    // The logger saw the run: requests, a renewal and the retry warnings.
    assert!(lines.iter().any(|l| l.contains("GET /v1/")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("WARN")), "{lines:#?}");
    let leaks: Vec<&String> = lines
        .iter()
        .chain(&seen)
        .filter(|l| l.contains(&secret) || l.contains(TOKEN_PREFIX))
        .collect();
    assert!(leaks.is_empty(), "{leaks:#?}");
}
