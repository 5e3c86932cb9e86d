//! Registering, logging in and out, and the CSRF guard on every form.

mod api;
mod registration;
mod sessions;
mod signin;

const PASSWORD: &str = "correct horse battery";

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("boxoffice_session="))
        .map(str::to_owned)
}
