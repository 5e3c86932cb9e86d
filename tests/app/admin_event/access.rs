//! Non-admins get 403 on the event pages and actions.

use diesel::prelude::*;

use crate::helpers::spawn_app;
use crate::holds::seated_event;

use super::PASSWORD;

#[actix_web::test]
async fn a_non_admin_gets_403_on_the_event_pages_and_actions() {
    let app = spawn_app().await;
    let (event, _, _) = seated_event(&app, 1).await;
    assert_eq!(
        app.register("Ada", "ada@example.com", PASSWORD)
            .await
            .status(),
        303
    );
    for path in [
        format!("/admin/events/{event}"),
        format!("/admin/events/{event}/cancel"),
        format!("/admin/events/{event}/cancel/progress"),
    ] {
        assert_eq!(app.get(&path).await.status(), 403, "GET {path}");
    }
    let token = app.csrf_token("/account").await;
    for path in [
        format!("/admin/events/{event}/cancel"),
        format!("/admin/events/{event}/refunds/retry"),
    ] {
        let res = app
            .post_form(&path, &[("csrf_token", &token), ("reason", "mine now")])
            .await;
        assert_eq!(res.status(), 403, "POST {path}");
    }
    use boxoffice::db::schema::events as e;
    let status: String = app.with_conn(|c| {
        e::table
            .filter(e::id.eq(event))
            .select(e::status)
            .first(c)
            .unwrap()
    });
    assert_eq!(status, "published");
    // Signed out: the pages send you to log in.
    let stranger = app.new_browser();
    let res = stranger
        .get(app.url(&format!("/admin/events/{event}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}
