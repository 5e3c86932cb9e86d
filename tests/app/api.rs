//! The JSON twins of the catalogue (API.md).

use crate::helpers::spawn_app;

#[actix_web::test]
async fn the_event_list_has_the_documented_shape() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/events").await;
    assert_eq!(status, 200);
    assert_eq!(body["page"], 1);
    assert_eq!(body["per_page"], 20);
    assert_eq!(body["total"], 21);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    for e in items {
        for key in [
            "id",
            "title",
            "description",
            "category",
            "status",
            "starts_at",
            "venue",
            "currency",
            "min_price_cents",
            "capacity",
            "available",
        ] {
            assert!(e.get(key).is_some(), "event lacks {key}: {e}");
        }
        for key in ["id", "name", "city"] {
            assert!(e["venue"].get(key).is_some(), "venue lacks {key}");
        }
        assert_eq!(e["status"], "published");
        assert!(
            e["starts_at"].as_str().unwrap().ends_with('Z'),
            "RFC 3339 in UTC"
        );
        let (capacity, available) = (
            e["capacity"].as_i64().unwrap(),
            e["available"].as_i64().unwrap(),
        );
        assert!(capacity > 0 && (0..=capacity).contains(&available), "{e}");
    }
    let ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let (_, page2) = app.get_json("/api/v1/events?per_page=5&page=2").await;
    let page2_ids: Vec<i64> = page2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(page2_ids, ids[5..10]);
}

#[actix_web::test]
async fn one_event_carries_its_tiers_with_what_is_left() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/v1/events?q=lighthouse").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, e) = app.get_json(&format!("/api/v1/events/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(e["title"], "The Lighthouse Keeper's Daughter");
    let tiers = e["tiers"].as_array().unwrap();
    assert!(tiers.len() >= 2);
    let left: i64 = tiers.iter().map(|t| t["available"].as_i64().unwrap()).sum();
    assert_eq!(left, e["available"].as_i64().unwrap());
    for t in tiers {
        assert!(t["id"].is_i64() && t["name"].is_string() && t["price_cents"].is_i64());
    }
    // The theatre is about 96% sold: few left.
    assert_eq!(e["sale_state"], "few_left");
}

#[actix_web::test]
async fn the_seat_list_agrees_with_the_event_counts() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/v1/events?q=lighthouse").await;
    let event = &list["items"][0];
    let id = event["id"].as_i64().unwrap();
    let (status, body) = app.get_json(&format!("/api/v1/events/{id}/seats")).await;
    assert_eq!(status, 200);
    let seats = body["seats"].as_array().unwrap();
    assert!((850..=950).contains(&seats.len()), "{}", seats.len());
    let available = seats.iter().filter(|s| s["status"] == "available").count() as i64;
    assert_eq!(available, event["available"].as_i64().unwrap());
    for s in seats {
        for key in [
            "id",
            "section",
            "row",
            "number",
            "tier_id",
            "price_cents",
            "status",
        ] {
            assert!(s.get(key).is_some(), "seat lacks {key}");
        }
        assert!(["available", "held", "sold", "blocked"].contains(&s["status"].as_str().unwrap()));
    }
    assert!(body["standing"].as_array().unwrap().is_empty());

    // A standing-only club: no seats, one entry per standing area.
    let (_, list) = app.get_json("/api/v1/events?q=techno").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, body) = app.get_json(&format!("/api/v1/events/{id}/seats")).await;
    assert!(body["seats"].as_array().unwrap().is_empty());
    let standing = body["standing"].as_array().unwrap();
    assert_eq!(standing.len(), 2);
    for a in standing {
        for key in ["section_id", "name", "capacity", "available", "price_cents"] {
            assert!(a.get(key).is_some(), "standing area lacks {key}");
        }
        assert!(a["available"].as_i64().unwrap() <= a["capacity"].as_i64().unwrap());
    }
}

#[actix_web::test]
async fn errors_are_problem_documents() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/events/424242").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], 404);
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "problem lacks {key}");
    }

    let res = app
        .get("/api/v1/events?category=opera&page=zero&per_page=1000&from=2027-13-01")
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    let errors = body["errors"].as_object().unwrap();
    let mut fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    fields.sort();
    assert_eq!(fields, vec!["category", "from", "page", "per_page"]);

    for path in [
        "/api/v1/events/abc",
        "/api/v1/events/1/nope",
        "/api/v1/nothing-here",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
    // Malformed percent-encoding is a 422 too, never a 500.
    let res = app.get("/api/v1/events?q=%ZZ%").await;
    assert!(
        res.status() == 422 || res.status() == 200,
        "{}",
        res.status()
    );
}

/// `path` with `If-None-Match: tag` (none: no header): the status, `ETag`, `Cache-Control` and
/// the body's length.
async fn conditional_get(
    app: &crate::helpers::TestApp,
    path: &str,
    tag: Option<&str>,
) -> (u16, String, String, usize) {
    let mut req = app.client.get(app.url(path));
    if let Some(tag) = tag {
        req = req.header("If-None-Match", tag);
    }
    let res = req.send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (status, etag, cache) = (
        res.status().as_u16(),
        header("etag"),
        header("cache-control"),
    );
    (status, etag, cache, res.bytes().await.unwrap().len())
}

#[actix_web::test]
async fn the_catalogue_answers_carry_tags_and_an_unchanged_answer_is_not_sent_again() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/v1/events?q=lighthouse").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let paths = [
        "/api/v1/events".to_owned(),
        format!("/api/v1/events/{id}"),
        format!("/api/v1/events/{id}/seats"),
    ];
    let mut tags = Vec::new();
    for path in &paths {
        let (status, etag, cache, len) = conditional_get(&app, path, None).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            etag.starts_with("W/\"") && etag.len() > 10,
            "{path}: {etag}"
        );
        assert!(cache.starts_with("public"), "{path}: {cache}");
        assert!(len > 0);
        // Asked again with the tag: nothing has changed, nothing is sent.
        let (status, again, _, len) = conditional_get(&app, path, Some(&etag)).await;
        assert_eq!((status, len), (304, 0), "{path}");
        assert_eq!(again, etag);
        // Another tag, or a list holding it, or `*`.
        let (status, ..) = conditional_get(&app, path, Some("W/\"other\"")).await;
        assert_eq!(status, 200);
        let listed = format!("\"x\", {}", etag.trim_start_matches("W/"));
        let (status, ..) = conditional_get(&app, path, Some(&listed)).await;
        assert_eq!(status, 304);
        let (status, ..) = conditional_get(&app, path, Some("*")).await;
        assert_eq!(status, 304);
        tags.push(etag);
    }
    // A hold changes the event's seats at once, and what is left (so the other tags) once
    // the catalogue's answers are read again, at most its TTL (5 s) later.
    let token = app.api_buyer("Ada", "ada@example.com").await;
    let (_, seats) = app.get_json(&paths[2]).await;
    let free = seats["seats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "available")
        .unwrap()["id"]
        .clone();
    let (status, body) = app
        .api(
            Some(&token),
            reqwest::Method::POST,
            &format!("/api/v1/events/{id}/holds"),
            Some(&serde_json::json!({ "seat_ids": [free] })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, ..) = conditional_get(&app, &paths[2], Some(&tags[2])).await;
    assert_eq!(status, 200, "the seats changed at once");
    for (path, tag) in paths[..2].iter().zip(&tags) {
        let (status, ..) = conditional_get(&app, path, Some(tag)).await;
        assert_eq!(status, 304, "{path}: kept within the TTL");
    }
    app.clock.advance(chrono::TimeDelta::seconds(5));
    for (path, tag) in paths.iter().zip(&tags) {
        let (status, etag, _, len) = conditional_get(&app, path, Some(tag)).await;
        assert_eq!(status, 200, "{path} changed");
        assert_ne!(&etag, tag);
        assert!(len > 0);
    }
}

#[actix_web::test]
async fn an_id_that_is_not_a_number_is_a_404_problem_document() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/events/abc",
        "/api/v1/events/9223372036854775808/seats",
        "/api/v1/events/1.5/queue",
    ] {
        let res = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(kind, "application/problem+json", "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], 404, "{path}: {body}");
    }
}
