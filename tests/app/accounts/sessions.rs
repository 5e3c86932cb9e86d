//! Sessions and the CSRF guard: tokens, other sites, sessions that are gone or too old.

use boxoffice::db::schema::users;
use diesel::prelude::*;

use crate::helpers::{spawn_app, texts};

use super::PASSWORD;

#[actix_web::test]
async fn forms_without_a_valid_token_or_from_another_site_are_refused() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let token = app.csrf_token("/").await;
    let signed_in = |doc: &scraper::Html| !texts(doc, "#signed-in-as").is_empty();

    // No token, a wrong token, and a token from another session.
    let other = app.new_browser();
    let other_page = other
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let other_token = crate::helpers::csrf_in(&scraper::Html::parse_document(&other_page));
    for fields in [
        vec![],
        vec![("csrf_token", "0".repeat(64))],
        vec![("csrf_token", other_token)],
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.post_form("/logout", &fields).await;
        assert_eq!(res.status(), 403);
        let doc = scraper::Html::parse_document(&res.text().await.unwrap());
        assert_eq!(texts(&doc, "#error-title"), vec!["Not allowed"]);
        let (_, home) = app.get_html("/").await;
        assert!(signed_in(&home), "still signed in");
    }
    // The right token from another site.
    let res = app
        .client
        .post(app.url("/logout"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .post(app.url("/logout"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, home) = app.get_html("/").await;
    assert!(signed_in(&home));
    // htmx sends the token as a header.
    let res = app
        .client
        .post(app.url("/logout"))
        .header("X-CSRF-Token", &token)
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, home) = app.get_html("/").await;
    assert!(!signed_in(&home));
    // A registration without a token creates nothing.
    let res = app
        .post_form(
            "/register",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let eve: i64 = app.with_conn(|c| {
        users::table
            .filter(users::email.eq("eve@example.com"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(eve, 0);
}

#[actix_web::test]
async fn a_request_whose_session_is_gone_is_sent_to_log_in_and_changes_nothing() {
    let app = spawn_app().await;
    // A browser whose cookie expired or was cleared while a page was open: it still sends
    // the page's token, but no session comes with it.
    let gone = app.new_browser();
    let stale = app.csrf_token("/register").await;
    let form = [
        ("csrf_token", stale.as_str()),
        ("name", "Eve"),
        ("email", "eve@example.com"),
        ("password", PASSWORD),
    ];
    // htmx: HX-Redirect to the login page, back to the page the action was sent from; a 200
    // with no body, so htmx navigates instead of swapping anything.
    let res = gone
        .post(app.url("/register"))
        .header("HX-Request", "true")
        .header("HX-Current-URL", app.url("/events/7/seats?section=3"))
        .header("X-CSRF-Token", &stale)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["HX-Redirect"],
        "/login?next=%2Fevents%2F7%2Fseats%3Fsection%3D3"
    );
    assert!(res.text().await.unwrap().is_empty());
    // A plain form: 303 to the login page, back to the page it came from.
    let res = gone
        .post(app.url("/register"))
        .header("Referer", app.url("/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["Location"], "/login?next=%2Fregister");
    let eve: i64 = app.with_conn(|c| {
        users::table
            .filter(users::email.eq("eve@example.com"))
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(eve, 0, "nothing ran");
    // From another site it is still refused outright.
    let res = gone
        .post(app.url("/register"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[actix_web::test]
async fn a_session_ends_when_the_account_epoch_moves_on_or_it_sits_idle() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    let (_, home) = app.get_html("/").await;
    assert_eq!(texts(&home, "#signed-in-as"), vec!["Ada"]);
    // Server-side revocation: "log out everywhere" and password changes bump the epoch.
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::email.eq("ada@example.com")))
            .set(users::session_epoch.eq(users::session_epoch + 1))
            .execute(c)
            .unwrap()
    });
    let (_, home) = app.get_html("/").await;
    assert!(texts(&home, "#signed-in-as").is_empty());

    assert_eq!(app.login("ada@example.com", PASSWORD).await.status(), 303);
    app.clock.advance(chrono::TimeDelta::hours(13));
    let (_, home) = app.get_html("/").await;
    assert!(texts(&home, "#signed-in-as").is_empty(), "idle timeout");
}
