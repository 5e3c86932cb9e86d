//! Reading answers: CSS-selected text and attributes, a form's CSRF token, a redirect's target.

/// The CSRF token of the page's (first) form.
pub fn csrf_in(doc: &scraper::Html) -> String {
    attrs(doc, "input[name=csrf_token]", "value")
        .into_iter()
        .next()
        .expect("a form with a CSRF token")
}

/// Text of every element matching `selector`.
pub fn texts(doc: &scraper::Html, selector: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// An attribute of every element matching `selector`.
pub fn attrs(doc: &scraper::Html, selector: &str, attr: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).expect("valid selector");
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

/// A ticket code the way a person might type it: lower case, in groups of four.
pub fn grouped_lower(code: &str) -> String {
    code.to_lowercase()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A response's `Location` header ("" when it has none).
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
