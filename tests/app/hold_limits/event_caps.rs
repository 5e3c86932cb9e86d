//! A box office caps what one account may have for an event, set from the event form.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::helpers::spawn_app;

/// A box office's cap per account for an event counts held and paid tickets; it is set and
/// lifted through the admin API (null: no limit), and checked there.
#[actix_web::test]
async fn a_box_office_caps_what_one_account_may_have_for_an_event() {
    use crate::holds::{buyer, call, hold};
    use crate::payments::{card_ok, pay};
    use serde_json::json;
    let app = spawn_app().await;
    let token = crate::admin_events::admin(&app).await;
    let (event, free, _) = crate::holds::seated_event(&app, 6).await;
    let path = format!("/api/v1/admin/events/{event}");
    let (status, current) = app
        .api(Some(&token), reqwest::Method::GET, &path, None)
        .await;
    assert_eq!(status, 200, "{current}");
    assert!(current["max_tickets_per_account"].is_null(), "{current}");
    let version = current["version"].clone();
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"version": version, "max_tickets_per_account": 0})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["errors"]["max_tickets_per_account"].is_string(),
        "{body}"
    );
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"version": version, "max_tickets_per_account": 3})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["max_tickets_per_account"], 3);
    let version = body["version"].clone();
    // Buyers are told, in the API and on the event's page.
    let (_, public) = app.get_json(&format!("/api/v1/events/{event}")).await;
    assert_eq!(public["max_tickets_per_account"], 3, "{public}");
    let (_, page) = app.get_html(&format!("/events/{event}")).await;
    let said = page.root_element().text().collect::<String>();
    assert!(said.contains("3 per account"), "the event page says so");

    let ada = buyer(&app, 1).await;
    let (status, held) = hold(&app, &ada, event, json!({"seat_ids": [free[0], free[1]]})).await;
    assert_eq!(status, 201, "{held}");
    let reference = held["reference"].as_str().unwrap().to_owned();
    let (status, payment) = pay(&app, &ada, &reference, "cap-1", "card").await;
    assert_eq!(status, 201, "{payment}");
    card_ok(&app, payment["external_id"].as_str().unwrap()).await;
    app.run_worker();
    let (_, view) = call(
        &app,
        &ada,
        reqwest::Method::GET,
        &format!("/api/v1/bookings/{reference}"),
    )
    .await;
    assert_eq!(view["status"], "paid", "{view}");
    // Two bought: two more would make four.
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[2], free[3]]})).await;
    assert_eq!(status, 422, "{body}");
    let detail = body["errors"]["quantity"].as_str().unwrap();
    assert!(
        detail.contains("at most 3 tickets per account") && detail.contains("already have 2"),
        "{detail}"
    );
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[2]]})).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[3]]})).await;
    assert_eq!(status, 422, "held and bought count together: {body}");
    // Someone else has their own share.
    let bob = buyer(&app, 2).await;
    let (status, body) = hold(&app, &bob, event, json!({"seat_ids": [free[3], free[4]]})).await;
    assert_eq!(status, 201, "{body}");
    // null lifts the cap.
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"version": version, "max_tickets_per_account": null})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["max_tickets_per_account"].is_null(), "{body}");
    let (status, body) = hold(&app, &ada, event, json!({"seat_ids": [free[5]]})).await;
    assert_eq!(status, 201, "{body}");
}

/// The event editor's form sets the cap; a bad one is shown beside the field and not saved.
#[actix_web::test]
async fn the_event_form_sets_the_per_account_cap_and_explains_a_bad_one() {
    let app = spawn_app().await;
    crate::admin_events::admin(&app).await;
    let (event, _, _) = crate::holds::seated_event(&app, 1).await;
    let edit = format!("/admin/events/{event}/edit");
    let (status, doc) = app.get_html(&edit).await;
    assert_eq!(status, 200);
    let mut fields = form_fields(&doc, "form#event-form");
    assert_eq!(
        fields.get("max_tickets_per_account").map(String::as_str),
        Some("")
    );
    let cap = || -> Option<i32> {
        use boxoffice::db::schema::events;
        app.with_conn(|c| {
            events::table
                .filter(events::id.eq(event))
                .select(events::max_tickets_per_account)
                .first(c)
                .unwrap()
        })
    };
    for bad in ["0", "many"] {
        fields.insert("max_tickets_per_account".into(), bad.into());
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let res = app.post_form(&edit, &pairs).await;
        assert_eq!(res.status(), 422, "{bad}");
        let doc = scraper::Html::parse_document(&res.text().await.unwrap());
        let error = crate::helpers::texts(&doc, "#max_tickets_per_account-error");
        assert_eq!(error.len(), 1, "{bad}");
        assert!(error[0].contains("no limit"), "{error:?}");
        assert_eq!(
            crate::helpers::attrs(&doc, "input#max_tickets_per_account", "value"),
            vec![bad.to_owned()],
            "what was typed is kept"
        );
        assert_eq!(cap(), None);
    }
    fields.insert("max_tickets_per_account".into(), "4".into());
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = app.post_form(&edit, &pairs).await;
    assert_eq!(res.status(), 303);
    assert_eq!(cap(), Some(4));
}

/// A form's fields as the browser would send them (inputs, chosen options, text areas).
pub(super) fn form_fields(doc: &scraper::Html, form: &str) -> BTreeMap<String, String> {
    let form_sel = scraper::Selector::parse(form).unwrap();
    let form = doc.select(&form_sel).next().expect("the form");
    let mut fields = BTreeMap::new();
    let inputs = scraper::Selector::parse("input[name]").unwrap();
    for i in form.select(&inputs) {
        let kind = i.value().attr("type").unwrap_or("text");
        if matches!(kind, "submit" | "button")
            || (matches!(kind, "checkbox" | "radio") && i.value().attr("checked").is_none())
        {
            continue;
        }
        fields.insert(
            i.value().attr("name").unwrap().to_owned(),
            i.value().attr("value").unwrap_or("").to_owned(),
        );
    }
    let selects = scraper::Selector::parse("select[name]").unwrap();
    let chosen = scraper::Selector::parse("option[selected]").unwrap();
    for s in form.select(&selects) {
        let value = s
            .select(&chosen)
            .next()
            .and_then(|o| o.value().attr("value"))
            .unwrap_or("")
            .to_owned();
        fields.insert(s.value().attr("name").unwrap().to_owned(), value);
    }
    let areas = scraper::Selector::parse("textarea[name]").unwrap();
    for t in form.select(&areas) {
        fields.insert(
            t.value().attr("name").unwrap().to_owned(),
            t.text().collect::<String>(),
        );
    }
    fields
}
