//! E1 (WAITING_ROOM.md §4): the waiting pages' polls (the HTML fragment and the JSON twin)
//! are answered from the instance's snapshot with no database statement, counted by diesel's
//! instrumentation on the test database's own connections; a pre-queue ticket's first poll
//! after the draw reads its number once, and the answer carries it so the next polls need none.

use chrono::TimeDelta;
use serde_json::Value;

use boxoffice::config::DatabaseUrl;
use boxoffice::domain::ids::UserId;
use boxoffice::services::queue;

use super::{on_sale_events, tick};
use crate::helpers::statements::{instrument_connections, queries_on};
use crate::helpers::{TestApp, spawn_app};

/// A waiting ticket's token, signed as the server signs it (the test knows the server's key).
pub(crate) fn wait_token(app: &TestApp, t: &boxoffice::db::queue::TicketRow) -> String {
    use boxoffice::services::admission::{self, Admission, Kind};
    let admission = Admission {
        kind: Kind::Wait,
        event: t.event_id,
        ticket: t.id.0,
        user: UserId(0),
        seq: t.seq,
        exp: app.clock.now().and_utc().timestamp() + 3_600,
    };
    admission::issue(&admission::key(&app.secret), &admission)
}

/// The part of the test database's URL that names it.
fn database_name(app: &TestApp) -> String {
    match &app.database_url {
        DatabaseUrl::Sqlite(path) => path.display().to_string(),
        DatabaseUrl::Postgres(url) => url.rsplit('/').next().unwrap_or(url).to_owned(),
    }
}

#[actix_web::test]
async fn polls_of_drawn_tickets_never_touch_the_database() {
    instrument_connections();
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let anyone = queue::RoomSettings {
        rate_per_minute: Some(60),
        require_account: false,
        ..queue::default_settings()
    };
    queue::configure(&app.db, event, &anyone, app.clock.now()).unwrap();
    // 1,000 tickets in line (joined through the service), their tokens as the server signs
    // them (the test knows the server's key).
    let tokens: Vec<String> = (0..1_000)
        .map(|_| {
            let t = queue::join(&app.db, event, None, app.clock.now())
                .unwrap()
                .ticket;
            wait_token(&app, &t)
        })
        .collect();
    app.refresh_queue();
    let name = database_name(&app);
    let before = queries_on(&name);
    // E1: 10,000 polls (the fragment and the JSON twin), answered from memory.
    let client = reqwest::Client::new();
    for round in 0..10 {
        let polls = tokens.iter().map(|token| {
            let path = if round % 2 == 0 {
                format!("/events/{event}/queue/status")
            } else {
                format!("/api/v1/events/{event}/queue")
            };
            client
                .get(app.url(&path))
                .header("Queue-Token", token)
                .header("HX-Request", "true")
                .send()
        });
        for res in futures_util::future::join_all(polls).await {
            let status = res.unwrap().status().as_u16();
            assert!(status == 200 || status == 429, "{status}");
        }
    }
    assert_eq!(queries_on(&name), before, "10,000 polls, no statement");
    assert_eq!(app.queue.polls(), 10_000);
}

#[actix_web::test]
async fn a_prequeue_tickets_first_poll_after_the_draw_reads_its_number_once() {
    instrument_connections();
    let app = spawn_app().await;
    let event = on_sale_events(&app)[0];
    let sale = app.clock.now() + TimeDelta::minutes(5);
    app.with_conn(|c| {
        use boxoffice::db::schema::events;
        use diesel::prelude::*;
        diesel::update(events::table.find(event))
            .set(events::sales_start_at.eq(sale))
            .execute(c)
            .unwrap()
    });
    let anyone = queue::RoomSettings {
        rate_per_minute: Some(60),
        require_account: false,
        ..queue::default_settings()
    };
    queue::configure(&app.db, event, &anyone, app.clock.now()).unwrap();
    app.refresh_queue();
    // Twenty browsers join the pre-queue through the page.
    let page = format!("/events/{event}/queue");
    let mut browsers = Vec::new();
    for _ in 0..20 {
        let browser = app.new_browser();
        let res = app.submit(&browser, &page, &page, &[]).await;
        assert_eq!(res.status(), 303);
        browsers.push(browser);
    }
    // And five API clients (their tokens as the server signs a pre-queue join's: no number).
    let api_tokens: Vec<String> = (0..5)
        .map(|_| {
            let t = queue::join(&app.db, event, None, app.clock.now())
                .unwrap()
                .ticket;
            wait_token(&app, &t)
        })
        .collect();
    super::set_clock(&app, sale + TimeDelta::seconds(3));
    assert_eq!(tick(&app, event).drew, Some(25));
    app.refresh_queue();
    let name = database_name(&app);
    let poll = |b: &reqwest::Client| {
        b.get(app.url(&format!("/events/{event}/queue/status")))
            .header("HX-Request", "true")
            .send()
    };
    let before = queries_on(&name);
    for b in &browsers {
        let html = poll(b).await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"queue-number\""), "{html}");
    }
    assert_eq!(queries_on(&name) - before, 20, "one read per ticket");
    let before = queries_on(&name);
    for b in &browsers {
        assert_eq!(poll(b).await.unwrap().status(), 200);
    }
    assert_eq!(
        queries_on(&name),
        before,
        "the renewed cookie carries the number"
    );

    // The JSON twin: the first answer reads the number once and carries a token with it.
    let json = |token: String| {
        app.client
            .get(app.url(&format!("/api/v1/events/{event}/queue")))
            .header("Queue-Token", token)
            .send()
    };
    let before = queries_on(&name);
    let mut renewed = Vec::new();
    for token in api_tokens {
        let doc: Value = json(token).await.unwrap().json().await.unwrap();
        assert!(
            doc["seq"].as_i64().is_some_and(|s| (1..=25).contains(&s)),
            "{doc}"
        );
        renewed.push(doc["token"].as_str().unwrap().to_owned());
    }
    assert_eq!(queries_on(&name) - before, 5);
    let before = queries_on(&name);
    for token in renewed {
        let doc: Value = json(token).await.unwrap().json().await.unwrap();
        assert!(doc["seq"].is_i64() && doc.get("token").is_none(), "{doc}");
    }
    assert_eq!(
        queries_on(&name),
        before,
        "the renewed token carries the number"
    );
}
