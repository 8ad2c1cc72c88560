//! `HotjarClient::responses_many` against the bundled fake: many surveys at once, one limiter
//! per key, and a failed survey that loses nothing and stops no other.

use std::net::{IpAddr, Ipv4Addr};

use hotjar_client::{ClientConfig, ErrorKind, HotjarClient, Id, IdKind, ManyRequest};
use hotjar_fake::{FakeConfig, FakeServer, SurveyFailure};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn fake(responses_per_survey: Vec<usize>) -> FakeServer {
    let config = FakeConfig {
        responses_per_survey,
        ..FakeConfig::default()
    };
    FakeServer::start(config, LOCALHOST, 0).await.unwrap()
}

fn client_for(fake: &FakeServer, requests_per_minute: u32) -> HotjarClient {
    let mut config = ClientConfig::new(fake.client_id(), fake.client_secret());
    config.base_url = fake.url();
    config.max_retries = 0;
    config.requests_per_minute = Some(requests_per_minute);
    HotjarClient::new(config).unwrap()
}

fn id(kind: IdKind, raw: &str) -> Id {
    Id::parse(kind, raw).unwrap()
}

#[tokio::test]
async fn every_survey_of_the_site_in_order_with_one_failure_kept_apart() {
    let fake = fake(vec![450, 120, 0, 30]).await;
    let ids = fake.dataset().survey_ids();
    fake.fail_survey(SurveyFailure {
        survey_id: ids[0].clone(),
        status: 400,
        after: 2,
        remaining: None,
    });
    let client = client_for(&fake, 3000);
    let site = id(IdKind::Site, fake.site_id());

    let results = client
        .responses_many(ManyRequest {
            site: &site,
            surveys: None,
            since: None,
            concurrency: 3,
        })
        .await
        .unwrap();

    let got: Vec<String> = results.iter().map(|(s, _)| s.to_string()).collect();
    assert_eq!(got, ids);
    let failed = results[0].1.as_ref().unwrap_err();
    assert_eq!(failed.error.kind(), ErrorKind::BadRequest);
    let truth = fake.responses_truth(&ids[0]).unwrap();
    assert_eq!(failed.partial, truth[..200]);
    for (survey, result) in &results[1..] {
        let rows = result.as_ref().unwrap();
        assert_eq!(*rows, fake.responses_truth(survey.as_str()).unwrap());
    }

    fake.clear_survey_failures();
    let rest = client
        .responses(&site, &results[0].0, None, failed.resume_cursor.clone())
        .await
        .unwrap();
    assert_eq!([failed.partial.clone(), rest].concat(), truth);
}

#[tokio::test]
async fn repeated_ids_are_fetched_once_and_bad_concurrency_sends_nothing() {
    let fake = fake(vec![5, 5]).await;
    let ids = fake.dataset().survey_ids();
    let client = client_for(&fake, 3000);
    let site = id(IdKind::Site, fake.site_id());
    let wanted = vec![
        id(IdKind::Survey, &ids[1]),
        id(IdKind::Survey, &ids[0]),
        id(IdKind::Survey, &ids[1]),
    ];
    let results = client
        .responses_many(ManyRequest {
            site: &site,
            surveys: Some(wanted.clone()),
            since: None,
            concurrency: 8,
        })
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].0.as_str(), ids[1]);

    let before = fake.stats().requests;
    for bad in [0, 65] {
        let error = client
            .responses_many(ManyRequest {
                site: &site,
                surveys: Some(wanted.clone()),
                since: None,
                concurrency: bad,
            })
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Configuration);
    }
    assert_eq!(fake.stats().requests, before);
}

#[tokio::test]
async fn two_clients_of_one_key_share_one_limiter() {
    // 600 a minute: a burst of 10, then 10 a second. Two clients with a limiter each would
    // send about 40 requests in the first second.
    let fake = fake(vec![300; 8]).await;
    let site = id(IdKind::Site, fake.site_id());
    let ids: Vec<Id> = fake
        .dataset()
        .survey_ids()
        .iter()
        .map(|s| id(IdKind::Survey, s))
        .collect();
    let (a, b) = (client_for(&fake, 600), client_for(&fake, 600));
    let (first, second) = tokio::join!(
        a.responses_many(ManyRequest {
            site: &site,
            surveys: Some(ids[..4].to_vec()),
            since: None,
            concurrency: 4,
        }),
        b.responses_many(ManyRequest {
            site: &site,
            surveys: Some(ids[4..].to_vec()),
            since: None,
            concurrency: 4,
        }),
    );
    assert!(first.unwrap().iter().all(|(_, r)| r.is_ok()));
    assert!(second.unwrap().iter().all(|(_, r)| r.is_ok()));
    let stats = fake.stats();
    assert_eq!(stats.requests, 25); // one shared token, 24 pages
    assert_eq!(stats.tokens_issued, 1);
    assert!(stats.busiest_second <= 21, "{stats:?}");
}
