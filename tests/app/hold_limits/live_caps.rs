//! Live streams are capped per client and in all.

use crate::helpers::TestApp;

/// Opens `/events/{id}/live` from `client`: the response (kept open by the caller) or the
/// refusal's status and `Retry-After`.
pub(super) async fn open_live(
    app: &TestApp,
    client: &reqwest::Client,
    event: i64,
) -> reqwest::Response {
    client
        .get(app.url(&format!("/events/{event}/live")))
        .send()
        .await
        .unwrap()
}

pub(super) fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Live streams are capped per client address (429) and in all (503), with `Retry-After`, and
/// a stream that ends gives its place back.
#[actix_web::test]
async fn live_streams_are_capped_per_client_and_in_all() {
    let app = crate::helpers::spawn_app_configured(true, |s| {
        s.live_streams_per_client = 2;
        s.live_streams_total = 3;
    })
    .await;
    let (_, list) = app.get_json("/api/v1/events?per_page=5").await;
    let event = list["items"][0]["id"].as_i64().unwrap();
    let a = client_from("127.0.0.1");
    let b = client_from("127.0.0.2");
    let a1 = open_live(&app, &a, event).await;
    assert_eq!(a1.status(), 200);
    let a2 = open_live(&app, &a, event).await;
    assert_eq!(a2.status(), 200);
    let refused = open_live(&app, &a, event).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["status"], 429, "{problem}");
    let b1 = open_live(&app, &b, event).await;
    assert_eq!(b1.status(), 200, "another address has its own share");
    let full = open_live(&app, &b, event).await;
    assert_eq!(full.status(), 503, "the server is full");
    assert!(full.headers().contains_key("retry-after"));
    assert_eq!(full.headers()["content-type"], "application/problem+json");
    // Other pages still answer.
    assert_eq!(app.get("/healthz").await.status(), 200);
    // (A stream that ends frees its place: `live::tests`, the slot is freed on drop.)
    drop((a1, a2, b1));
}

// ---------------------------------------------------------------------------------------------
// What one account may hold (issue 16, denial of inventory).
