//! The OpenAPI document of `/api/v1` (issue 21): served as committed, a valid 3.1 document with
//! its security schemes and problem answers, and neither missing a route nor naming one the app
//! does not have.

use std::collections::BTreeSet;

use actix_web::dev::Service;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/app/snapshots/openapi.json"
);
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

async fn served(app: &TestApp) -> (reqwest::header::HeaderMap, String) {
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

/// Every `(method, path)` the document names.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                out.push((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

#[actix_web::test]
async fn the_served_document_is_the_committed_snapshot() {
    let app = spawn_app_with(false).await;
    let (headers, served) = served(&app).await;
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "public, max-age=300");
    // Written only when asked for (`UPDATE_OPENAPI_SNAPSHOT=1`), never behind CI's back.
    if std::env::var_os("UPDATE_OPENAPI_SNAPSHOT").is_some() {
        std::fs::write(SNAPSHOT, &served).expect("write the snapshot");
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if served != committed {
        let line = served
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "at the end".to_owned(), |n| format!("at line {}", n + 1));
        panic!(
            "The API's OpenAPI document changed ({line} of tests/app/snapshots/openapi.json \
             differs). If the change is meant, look at it, then write the new document with \
             `UPDATE_OPENAPI_SNAPSHOT=1 cargo test --test app api_doc::` and commit it."
        );
    }
}

#[actix_web::test]
async fn the_document_is_openapi_3_1_with_both_security_schemes_and_problem_answers() {
    let app = spawn_app_with(false).await;
    let (_, text) = served(&app).await;
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "boxoffice");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["queue_token"]["type"], "apiKey");
    assert_eq!(schemes["queue_token"]["in"], "header");
    assert_eq!(schemes["queue_token"]["name"], "Queue-Token");

    let ops = operations(&doc);
    assert!(ops.len() >= 35, "{} operations", ops.len());
    let ids: BTreeSet<&str> = ops
        .iter()
        .filter_map(|(m, p)| doc["paths"][p][m]["operationId"].as_str())
        .collect();
    assert_eq!(
        ids.len(),
        ops.len(),
        "every operation has its own operationId"
    );
    for (method, path) in &ops {
        let op = &doc["paths"][path][method];
        let answers = op["responses"].as_object().unwrap();
        let is_problem = |status: &str| {
            answers.get(status).is_some_and(|a| {
                a["content"]["application/problem+json"]["schema"]["$ref"]
                    == "#/components/schemas/Problem"
            })
        };
        let client_errors: Vec<&String> = answers
            .keys()
            .filter(|s| s.starts_with('4') && is_problem(s))
            .collect();
        assert!(
            !client_errors.is_empty(),
            "{method} {path} names no problem+json 4xx"
        );
        assert!(is_problem("503"), "{method} {path} lacks its 503");
        assert!(
            answers.keys().any(|s| s.starts_with('2')),
            "{method} {path} names no success"
        );
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()));
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()));
        // A call that needs a bearer token says so, and says what happens without one.
        let security = op["security"].as_array().cloned().unwrap_or_default();
        let needs_bearer =
            !security.is_empty() && security.iter().all(|alt| alt.get("bearer").is_some());
        if needs_bearer {
            assert!(is_problem("401"), "{method} {path} lacks its 401");
        }
        for alternative in &security {
            for scheme in alternative.as_object().unwrap().keys() {
                assert!(schemes.get(scheme).is_some(), "{method} {path}: {scheme}");
            }
        }
    }
    // Admin calls are the admin's; holds accept the waiting room's admission.
    let hold = &doc["paths"]["/api/v1/events/{id}/holds"]["post"]["security"];
    assert_eq!(
        *hold,
        json!([{"bearer": [], "queue_token": []}, {"bearer": []}])
    );
    let pay = &doc["paths"]["/api/v1/bookings/{reference}/payments"]["post"]["parameters"];
    assert!(
        pay.as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key"
                && p["in"] == "header"
                && p["required"] == true),
        "{pay}"
    );
    // Every reference resolves.
    for reference in refs(&doc) {
        let pointer = reference.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "{reference} resolves");
    }
}

fn refs(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v) {
                ("$ref", Value::String(s)) => vec![s.clone()],
                _ => refs(v),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

/// Every resource registered under `/api/v1`, read from actix's route table (the `Debug` of
/// its resource map: a tree of patterns; a leaf is a resource, a node with children a scope).
fn registered_routes(map: &str) -> BTreeSet<String> {
    let bytes: Vec<char> = map.chars().collect();
    let (mut i, mut stack, mut out) = (0, Vec::<(usize, String, bool)>::new(), BTreeSet::new());
    let mut depth = 0usize;
    let mut skip_until: Option<usize> = None;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 24)].iter().collect();
        match bytes[i] {
            '"' => {
                // A string: read it whole (patterns are strings, and may hold braces).
                let mut s = String::new();
                i += 1;
                while i < bytes.len() && bytes[i] != '"' {
                    if bytes[i] == '\\' {
                        i += 1;
                    }
                    s.push(bytes[i]);
                    i += 1;
                }
                if skip_until.is_none()
                    && let Some(top) = stack.last_mut()
                    && top.1.is_empty()
                    && top.2
                {
                    top.1 = s;
                    top.2 = false;
                }
            }
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => {
                depth -= 1;
                if skip_until == Some(depth) {
                    skip_until = None;
                }
                if skip_until.is_none() && stack.last().is_some_and(|t| t.0 == depth) {
                    stack.pop();
                }
            }
            _ if skip_until.is_some() => {}
            _ if rest.starts_with("named: {") => skip_until = Some(depth),
            _ if rest.starts_with("ResourceMap {") => {
                stack.push((depth, String::new(), false));
            }
            _ if rest.starts_with("patterns: Single(") => {
                if let Some(top) = stack.last_mut() {
                    top.2 = true;
                }
            }
            _ if rest.starts_with("nodes: None") => {
                let path: String = stack.iter().map(|t| t.1.as_str()).collect();
                out.insert(path);
            }
            _ => {}
        }
        i += 1;
    }
    out.into_iter()
        .filter(|p| p.starts_with("/api/v1/"))
        .collect()
}

/// The app's `/api/v1` route table and, for each documented path, the route pattern actix
/// matches it to (with every `{param}` filled in), from the API's own scope in this process.
async fn route_table(paths: &[String]) -> (BTreeSet<String>, Vec<(String, Option<String>)>) {
    let app = actix_web::test::init_service(
        actix_web::App::new()
            .service(boxoffice::web::api::scope(None))
            .route(
                "/routes",
                actix_web::web::get().to(|req: actix_web::HttpRequest| async move {
                    format!("{:?}", req.resource_map())
                }),
            ),
    )
    .await;
    let req = actix_web::test::TestRequest::get()
        .uri("/routes")
        .to_request();
    let body = actix_web::test::call_and_read_body(&app, req).await;
    let table = registered_routes(&String::from_utf8_lossy(&body));
    let mut matched = Vec::new();
    for path in paths {
        let concrete = fill(path, "7", "ABC123");
        let req = actix_web::test::TestRequest::get()
            .uri(&concrete)
            .to_request();
        let res = app.call(req).await.unwrap();
        matched.push((path.clone(), res.request().match_pattern()));
    }
    (table, matched)
}

fn fill(path: &str, id: &str, reference: &str) -> String {
    path.replace("{reference}", reference).replace("{id}", id)
}

#[actix_web::test]
async fn every_api_route_is_documented_and_every_documented_operation_answers() {
    let app = spawn_app().await;
    let (_, text) = served(&app).await;
    let doc: Value = serde_json::from_str(&text).unwrap();
    let ops = operations(&doc);
    let documented: BTreeSet<String> = ops.iter().map(|(_, p)| p.clone()).collect();

    // The route table and the document name the same paths, and each documented path is
    // matched by the route of the same pattern.
    let paths: Vec<String> = documented.iter().cloned().collect();
    let (table, matched) = route_table(&paths).await;
    assert!(table.len() >= 25, "the route table was read: {table:?}");
    let undocumented: Vec<&String> = table.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    let unrouted: Vec<&String> = documented.difference(&table).collect();
    assert!(
        unrouted.is_empty(),
        "documented paths with no route: {unrouted:?}"
    );
    for (path, pattern) in &matched {
        assert_eq!(
            pattern.as_deref(),
            Some(path.as_str()),
            "{path} is routed to itself"
        );
    }

    // Every documented method answers on the live app, with real ids and an admin's token (an
    // admin may call everything): never the 404 of an address with no route, nor a 405.
    let admin = app.admin_token().await;
    let spare = app
        .api_login(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let (event, _, _) = crate::holds::seated_event(&app, 2).await;
    let (_, held) = app
        .api(
            Some(&admin),
            reqwest::Method::POST,
            &format!("/api/v1/events/{event}/holds"),
            Some(&json!({"best_available": {"quantity": 1}})),
        )
        .await;
    let reference = held["reference"].as_str().expect("a booking").to_owned();
    let paid = app
        .client
        .post(app.url(&format!("/api/v1/bookings/{reference}/payments")))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "api-doc-1")
        .json(&json!({"method": "card"}))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 201);
    let (_, venues) = app
        .api(
            Some(&admin),
            reqwest::Method::GET,
            "/api/v1/admin/venues",
            None,
        )
        .await;
    let venue = venues["items"][0]["id"].as_i64().unwrap();

    app.leaves_work_behind(
        "cancelling the booking its payment was started for queues the gateway's webhook; \
         this test is about routes, not payments",
    );
    // A member of the house organizer, for the team's member routes.
    let member = app
        .create_buyers(&[("Team Member".to_owned(), "member@example.com".to_owned())])
        .remove(0);
    let now = app.clock.now();
    app.with_conn(|c| {
        boxoffice::db::organizers::members::insert(
            c,
            boxoffice::db::organizers::HOUSE,
            member.id,
            boxoffice::domain::access::TeamRole::Viewer,
            now,
        )
    })
    .unwrap();
    for (method, path) in &ops {
        let id = if path.contains("/venues/") {
            venue
        } else if path.contains("/organizers/") {
            boxoffice::db::organizers::HOUSE.0
        } else {
            event
        };
        let url =
            fill(path, &id.to_string(), &reference).replace("{user_id}", &member.id.0.to_string());
        let token = if path == "/api/v1/logout" {
            &spare
        } else {
            &admin
        };
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = app
            .client
            .request(method.clone(), app.url(&url))
            .bearer_auth(token);
        if matches!(
            method,
            reqwest::Method::POST | reqwest::Method::PUT | reqwest::Method::PATCH
        ) {
            req = req.json(&json!({}));
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        assert!(
            status != 404 && status != 405,
            "{method} {url} answered {status} (its route is there, so a resource is missing \
             from this test's fixtures, or the method is not routed): {body}"
        );
    }
}
