//! Pages joined from shared and own pieces read as one stream in every encoding.

use std::io::Read;

use super::*;

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn page() -> (String, String, String) {
    let head = "<html><head><title>Seats</title></head><body><nav>Ada</nav>".to_owned();
    let middle: String = (0..5_000)
        .map(|i| {
            format!(
                r#"<circle id="s{i}" cx="{}" cy="{}" r="4" class="seat"/>"#,
                i % 100,
                i / 100
            )
        })
        .collect();
    let tail = "<aside>basket</aside></body></html>".to_owned();
    (head, middle, tail)
}

#[test]
fn a_page_joined_from_shared_parts_reads_as_one_stream_in_every_encoding() {
    let (head, middle, tail) = page();
    let whole = [head.as_str(), &middle, &tail].concat();
    // The middle in three shared parts, as the seat map keeps its drawing.
    let (a, rest) = middle.split_at(middle.len() / 3);
    let (b, c) = rest.split_at(rest.len() / 2);
    let shared = [a, b, c].map(|p| Shared::new(p.to_owned()));
    for round in 0..2 {
        let mut pieces = vec![Piece::Own(&head)];
        pieces.extend(shared.iter().map(Piece::Shared));
        pieces.push(Piece::Own(&tail));
        let br = join(Encoding::Brotli, &pieces);
        assert_eq!(unbrotli(&br), whole, "brotli, round {round}");
        let gz = join(Encoding::Gzip, &pieces);
        assert_eq!(gunzip(&gz), whole, "gzip, round {round}");
        assert!(br.len() < whole.len() / 5 && gz.len() < whole.len() / 5);
        let plain = join(Encoding::Identity, &pieces);
        assert_eq!(plain, whole.as_bytes());
    }
    // A different visitor's head, one part drawn for them, and no tail: a shared part
    // last still ends the gzip stream.
    let pieces = [
        Piece::Own("<p>Bob</p>"),
        Piece::Shared(&shared[0]),
        Piece::Own("<b>mine</b>"),
        Piece::Shared(&shared[2]),
    ];
    let expected = format!("<p>Bob</p>{a}<b>mine</b>{c}");
    assert_eq!(gunzip(&join(Encoding::Gzip, &pieces)), expected);
    assert_eq!(unbrotli(&join(Encoding::Brotli, &pieces)), expected);
    // Nothing shared at all.
    let own = [
        Piece::Own(&head),
        Piece::Own("<p>mine</p>"),
        Piece::Own(&tail),
    ];
    let expected = format!("{head}<p>mine</p>{tail}");
    assert_eq!(unbrotli(&join(Encoding::Brotli, &own)), expected);
    assert_eq!(gunzip(&join(Encoding::Gzip, &own)), expected);
}

#[test]
fn the_encoding_is_the_best_the_client_takes() {
    let with = |value: &str| {
        let req = actix_web::test::TestRequest::default()
            .insert_header((ACCEPT_ENCODING, value))
            .to_http_request();
        Encoding::of(&req)
    };
    assert_eq!(with("gzip, deflate, br, zstd"), Encoding::Brotli);
    assert_eq!(with("gzip;q=1.0, br;q=0"), Encoding::Gzip);
    assert_eq!(with("deflate"), Encoding::Identity);
    assert_eq!(with(""), Encoding::Identity);
    let req = actix_web::test::TestRequest::default().to_http_request();
    assert_eq!(Encoding::of(&req), Encoding::Identity);
}
