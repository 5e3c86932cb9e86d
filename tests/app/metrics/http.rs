//! The HTTP figures: counted by route pattern (never the path as sent) and status class, timed
//! except the live stream, whose open streams are a gauge.

use super::{metrics_app, scrape};
use crate::holds::seated_event;

#[actix_web::test]
async fn requests_are_counted_by_route_pattern_and_status_class_never_by_path() {
    let app = metrics_app(true, |_| {}).await;
    let (event, _, _) = seated_event(&app, 1).await;
    let before = scrape(&app).await;
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/events/{event}")).await.status(), 200);
    }
    let (status, _) = app.get_json(&format!("/api/v1/events/{event}")).await;
    assert_eq!(status, 200);
    assert_eq!(app.get("/events/999999999").await.status(), 404);
    assert_eq!(app.get("/no/such/page/4711").await.status(), 404);

    let after = scrape(&app).await;
    let page = r#"{method="GET",route="/events/{id}",status="2xx"}"#;
    let requests = format!("boxoffice_http_requests_total{page}");
    assert_eq!(after.get(&requests) - before.get_or_zero(&requests), 3.0);
    let timed = format!("boxoffice_http_request_duration_seconds_count{page}");
    assert_eq!(after.get(&timed) - before.get_or_zero(&timed), 3.0);
    // The histogram has its buckets, the last one holding every request.
    let inf = r#"boxoffice_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/events/{id}",status="2xx"}"#;
    let all = after.series("boxoffice_http_request_duration_seconds_bucket");
    assert!(all.contains(&inf), "{all:?}");
    assert_eq!(after.get(inf), after.get(&timed));
    let counted = |series: &str| {
        let series = format!("boxoffice_http_requests_total{series}");
        after.get(&series) - before.get_or_zero(&series)
    };
    assert_eq!(
        counted(r#"{method="GET",route="/api/v1/events/{id}",status="2xx"}"#),
        1.0
    );
    assert_eq!(
        counted(r#"{method="GET",route="/events/{id}",status="4xx"}"#),
        1.0
    );
    assert_eq!(
        counted(r#"{method="GET",route="unmatched",status="4xx"}"#),
        1.0
    );
    // No label carries a path as it was asked for.
    let paths: Vec<&str> = after
        .series("boxoffice_http")
        .into_iter()
        .filter(|s| s.contains(&event.to_string()) || s.contains("4711") || s.contains("999999999"))
        .collect();
    assert!(paths.is_empty(), "raw paths in labels: {paths:?}");
}

#[actix_web::test]
async fn live_streams_are_counted_and_open_ones_shown_but_never_timed() {
    let app = metrics_app(true, |_| {}).await;
    let (event, _, _) = seated_event(&app, 1).await;
    let before = scrape(&app).await;
    assert_eq!(before.get("boxoffice_live_streams_open"), 0.0);
    let stream = app
        .client
        .get(app.url(&format!("/events/{event}/live")))
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let during = scrape(&app).await;
    assert_eq!(during.get("boxoffice_live_streams_open"), 1.0);
    let live = r#"{method="GET",route="/events/{id}/live",status="2xx"}"#;
    assert_eq!(
        during.get(&format!("boxoffice_http_requests_total{live}")),
        1.0,
        "counted once it answered"
    );
    assert!(
        during
            .series(&format!(
                "boxoffice_http_request_duration_seconds_count{live}"
            ))
            .is_empty(),
        "not timed"
    );
    // The stream ends (as every stream does when the server stops): no longer open.
    app.live.close();
    let mut stream = stream;
    while let Ok(Some(_)) = stream.chunk().await {}
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let open = scrape(&app).await.get("boxoffice_live_streams_open");
        if open == 0.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {open} open after the stream ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
