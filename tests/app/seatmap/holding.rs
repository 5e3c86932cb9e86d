//! Holding from the map: clicks, the list view, best available, standing, refusals.

use scraper::Html;

use crate::helpers::{attrs, spawn_app, texts};

use super::{api_seats, buyer, event_at, htmx_post, htmx_token, page, seat_row, select, user_id};

#[actix_web::test]
async fn a_click_holds_a_seat_at_once_and_a_second_click_gives_it_back() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let ada = buyer(&app, 1).await;
    let map = format!("/events/{event}/seats");
    let free = api_seats(&app, event)
        .await
        .into_iter()
        .find(|s| s["status"] == "available")
        .unwrap();
    let seat = free["id"].as_i64().unwrap().to_string();
    // Every drawn seat carries the live version it was drawn at (data-v), so the page can
    // refuse an answer that arrives after a newer one.
    let version = |doc: &Html| -> u64 {
        let found = attrs(doc, &format!("#s{seat}"), "data-v");
        assert_eq!(found.len(), 1, "one seat #s{seat} with a version");
        found[0].parse().unwrap()
    };
    let (_, before) = page(&ada, &app, &map).await;
    let drawn_at = version(&before);

    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &map,
        &[("hold", &seat), ("section", ""), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    let held_at = version(&answer);
    assert!(
        held_at > drawn_at,
        "the hold's answer is newer ({held_at} > {drawn_at})"
    );
    assert_eq!(
        attrs(&answer, "#basket", "data-v"),
        vec![held_at.to_string()]
    );
    // The seat comes back as the buyer's, swapped out of band, with the basket and a message.
    let swapped = select(&answer, &format!("#s{seat}"));
    assert_eq!(swapped.len(), 1);
    assert_eq!(swapped[0].value().attr("data-status"), Some("mine"));
    assert_eq!(swapped[0].value().attr("hx-swap-oob"), Some("true"));
    assert_eq!(swapped[0].value().attr("aria-pressed"), Some("true"));
    assert!(
        swapped[0]
            .value()
            .attr("hx-vals")
            .unwrap()
            .contains("release")
    );
    assert_eq!(texts(&answer, "#basket .basket-lines li").len(), 1);
    assert!(texts(&answer, "#basket #countdown")[0].starts_with("15:00"));
    assert!(texts(&answer, "#messages")[0].contains("is in your basket"));
    assert_eq!(
        seat_row(&app, event, seat.parse().unwrap()),
        ("held".to_owned(), Some(user_id(&app, 1)))
    );
    // Everyone else sees it held; its owner sees it as theirs.
    let (_, public) = app.get_html(&map).await;
    assert_eq!(
        attrs(&public, &format!("#s{seat}"), "data-status"),
        vec!["held"]
    );
    let (_, own) = page(&ada, &app, &map).await;
    assert_eq!(
        attrs(&own, &format!("#s{seat}"), "data-status"),
        vec!["mine"]
    );

    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &map,
        &[("release", &seat), ("section", ""), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&answer, &format!("#s{seat}"), "data-status"),
        vec!["available"]
    );
    assert!(
        version(&answer) > held_at,
        "the release's answer is newer still"
    );
    assert_eq!(texts(&answer, "#basket-empty").len(), 1);
    assert_eq!(seat_row(&app, event, seat.parse().unwrap()).0, "available");
}

#[actix_web::test]
async fn a_signed_out_click_leads_to_the_login_page_and_back_to_the_map() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let map = format!("/events/{event}/seats?section=all");
    // A free seat (the demo sold many; some of the sold went back on sale when refunded).
    let seat = api_seats(&app, event)
        .await
        .into_iter()
        .find(|s| s["status"] == "available")
        .expect("a free seat")["id"]
        .to_string();
    let browser = app.new_browser();
    let (status, headers, _) = htmx_post(
        &browser,
        &app,
        &map,
        &format!("/events/{event}/seats"),
        &[("hold", &seat), ("section", "all"), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    let to = headers.get("HX-Redirect").unwrap().to_str().unwrap();
    assert_eq!(
        to,
        format!("/login?next=%2Fevents%2F{event}%2Fseats%3Fsection%3Dall")
    );
    assert_eq!(seat_row(&app, event, seat.parse().unwrap()).0, "available");
}

#[actix_web::test]
async fn a_seat_just_taken_is_refused_with_a_message_and_redrawn_as_held() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let (ada, bob) = (buyer(&app, 1).await, buyer(&app, 2).await);
    let map = format!("/events/{event}/seats");
    let seat = api_seats(&app, event)
        .await
        .into_iter()
        .find(|s| s["status"] == "available")
        .unwrap()["id"]
        .to_string();
    // Bob's page still shows the seat free when Ada takes it.
    let (_, bobs_page) = page(&bob, &app, &map).await;
    let token = htmx_token(&bobs_page);
    let (status, _, _) = htmx_post(&ada, &app, &map, &map, &[("hold", &seat)]).await;
    assert_eq!(status, 200);

    let res = bob
        .post(app.url(&map))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(&[("hold", seat.as_str()), ("view", "map")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let answer = Html::parse_fragment(&res.text().await.unwrap());
    assert!(
        texts(&answer, "#messages")[0].contains("was just taken"),
        "{:?}",
        texts(&answer, "#messages")
    );
    assert_eq!(
        attrs(&answer, &format!("#s{seat}"), "data-status"),
        vec!["held"]
    );
    assert!(
        attrs(&answer, &format!("#s{seat}"), "hx-post").is_empty(),
        "no longer clickable"
    );
    assert_eq!(
        seat_row(&app, event, seat.parse().unwrap()).1,
        Some(user_id(&app, 1))
    );
}

#[actix_web::test]
async fn the_list_view_holds_seats_without_javascript() {
    let app = spawn_app().await;
    let event = event_at(&app, "The Alderman Theatre", 20).await;
    let ada = buyer(&app, 1).await;
    let list = format!("/events/{event}/seats?view=list");
    let (_, doc) = page(&ada, &app, &list).await;
    let hold_buttons = attrs(&doc, "#seat-list button[name=hold]", "value");
    assert!(!hold_buttons.is_empty());
    let seat = hold_buttons[0].clone();
    // A plain form post (no htmx): back to the same page, which now shows the seat as Ada's.
    let res = app
        .submit(
            &ada,
            &list,
            &format!("/events/{event}/seats"),
            &[("hold", &seat), ("view", "list"), ("section", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers().get("location").unwrap(),
        &format!("/events/{event}/seats?view=list")
    );
    let (_, after) = page(&ada, &app, &list).await;
    assert_eq!(
        attrs(&after, &format!("#r{seat}"), "data-status"),
        vec!["mine"]
    );
    assert_eq!(
        attrs(&after, &format!("#r{seat} button"), "name"),
        vec!["release"]
    );
    assert!(texts(&after, "#flash")[0].contains("is in your basket"));
    // A seat id that isn't a number is a message, not a crash, and changes nothing.
    let res = app
        .submit(
            &ada,
            &list,
            &format!("/events/{event}/seats"),
            &[("hold", "twelve"), ("view", "list")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, after) = page(&ada, &app, &list).await;
    assert!(texts(&after, "#flash")[0].contains("could not be read"));
    assert_eq!(texts(&after, "#basket .basket-lines li").len(), 1);
}

#[actix_web::test]
async fn best_available_and_standing_places_are_held_from_the_page() {
    let app = spawn_app().await;
    let theatre = event_at(&app, "The Alderman Theatre", 20).await;
    let ada = buyer(&app, 1).await;
    let map = format!("/events/{theatre}/seats");
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{theatre}/best"),
        &[("quantity", "3"), ("tier_id", ""), ("view", "map")],
    )
    .await;
    assert_eq!(status, 200);
    let mine = attrs(&answer, ".seat[data-status=mine]", "data-seat-id");
    assert_eq!(mine.len(), 3, "the three seats are redrawn as Ada's");
    assert_eq!(texts(&answer, "#basket .basket-lines li").len(), 3);
    assert!(texts(&answer, "#messages")[0].contains("3 seats together"));
    // Asking for more than an order may have is explained, and holds nothing more.
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{theatre}/best"),
        &[("quantity", "40"), ("view", "map")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(texts(&answer, "#messages")[0].contains("at most"));
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &map,
        &format!("/events/{theatre}/best"),
        &[("quantity", "lots"), ("view", "map")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(texts(&answer, "#messages")[0].contains("how many"));

    // Standing: the club's floor.
    let club = event_at(&app, "Kesselhaus Nord", 10).await;
    let club_map = format!("/events/{club}/seats");
    let (_, doc) = page(&ada, &app, &club_map).await;
    let section = attrs(&doc, ".standing-area input[name=section_id]", "value")[0].clone();
    let before: i64 = attrs(&doc, &format!("#left-{section}"), "data-available")[0]
        .parse()
        .unwrap();
    let (status, _, answer) = htmx_post(
        &ada,
        &app,
        &club_map,
        &format!("/events/{club}/standing"),
        &[("section_id", &section), ("quantity", "2")],
    )
    .await;
    assert_eq!(status, 200);
    let after: i64 = attrs(&answer, &format!("#left-{section}"), "data-available")[0]
        .parse()
        .unwrap();
    assert_eq!(after, before - 2);
    let lines = texts(&answer, "#basket .basket-lines li");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains("standing × 2"), "{lines:?}");
    // The standing line can be taken out again.
    let item = attrs(&answer, "#basket button[name=remove_line]", "value")[0].clone();
    let (status, _, answer) =
        htmx_post(&ada, &app, &club_map, &club_map, &[("remove_line", &item)]).await;
    assert_eq!(status, 200);
    assert_eq!(texts(&answer, "#basket-empty").len(), 1);
    let (_, doc) = page(&ada, &app, &club_map).await;
    assert_eq!(
        attrs(&doc, &format!("#left-{section}"), "data-available")[0],
        before.to_string()
    );
}
