//! The settings' checks: defaults, every variable's parsing and its errors.

use std::collections::HashMap;

use super::*;

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_need_no_variables() {
    let s = Settings::from_vars(&HashMap::new()).unwrap();
    assert_eq!(
        s.database_url,
        DatabaseUrl::Sqlite("data/boxoffice.db".into())
    );
    assert_eq!(s.bind, "127.0.0.1:8080");
    assert_eq!(s.base_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(s.hold_seconds, 900);
    assert_eq!(s.holds_per_minute, 60);
    assert_eq!(s.unverified_hold_limit, 4);
    assert_eq!(s.rehold_cooldown_seconds, 120);
    assert_eq!(s.bcrypt_cost, 12);
    assert!(s.demo_data);
    assert_eq!(s.data_dir, PathBuf::from("data"));
    assert_eq!(s.log_format, LogFormat::Pretty);
    assert_eq!(s.signups_per_address_per_hour, 120);
    assert_eq!(s.logins_per_address_per_hour, 600);
}

#[test]
fn database_urls_pick_the_backend() {
    assert_eq!(
        DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
        DatabaseUrl::Sqlite("/tmp/x.db".into())
    );
    assert_eq!(
        DatabaseUrl::parse("sqlite:x.db").unwrap(),
        DatabaseUrl::Sqlite("x.db".into())
    );
    assert!(matches!(
        DatabaseUrl::parse("postgres://u@localhost/boxoffice").unwrap(),
        DatabaseUrl::Postgres(_)
    ));
    assert!(DatabaseUrl::parse("mysql://localhost/x").is_err());
    assert!(DatabaseUrl::parse("sqlite://").is_err());
}

#[test]
fn redacts_database_passwords() {
    let url = DatabaseUrl::parse("postgres://bo:hunter2@db:5432/bo").unwrap();
    assert!(!url.redacted().contains("hunter2"));
}

#[test]
fn bad_values_name_the_variable() {
    let err = Settings::from_vars(&vars(&[("BOXOFFICE_HOLD_SECONDS", "soon")])).unwrap_err();
    assert_eq!(err.variable, "BOXOFFICE_HOLD_SECONDS");
    let err = Settings::from_vars(&vars(&[("BOXOFFICE_SECRET_KEY", "short")])).unwrap_err();
    assert_eq!(err.variable, "BOXOFFICE_SECRET_KEY");
    let err = Settings::from_vars(&vars(&[("BOXOFFICE_ADMIN_EMAIL", "a@b.c")])).unwrap_err();
    assert_eq!(err.variable, "BOXOFFICE_ADMIN_EMAIL");
    let err = Settings::from_vars(&vars(&[("BOXOFFICE_SMTP_URL", "http://x")])).unwrap_err();
    assert_eq!(err.variable, "BOXOFFICE_SMTP_URL");
}

#[test]
fn trusted_proxies_are_addresses_or_blocks() {
    let s = Settings::from_vars(&HashMap::new()).unwrap();
    assert!(s.trusted_proxies.is_empty(), "nobody is trusted by default");
    let s = Settings::from_vars(&vars(&[(
        "BOXOFFICE_TRUSTED_PROXIES",
        "127.0.0.1, 10.0.0.0/8,::1",
    )]))
    .unwrap();
    let list: Vec<String> = s.trusted_proxies.iter().map(ToString::to_string).collect();
    assert_eq!(list, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
    let err =
        Settings::from_vars(&vars(&[("BOXOFFICE_TRUSTED_PROXIES", "10.0.0.0/99")])).unwrap_err();
    assert_eq!(err.variable, "BOXOFFICE_TRUSTED_PROXIES");
    let err =
        Settings::from_vars(&vars(&[("BOXOFFICE_TRUSTED_PROXIES", "proxy.local")])).unwrap_err();
    assert_eq!(err.variable, "BOXOFFICE_TRUSTED_PROXIES");
}

#[test]
fn cors_origins_are_listed_origins_never_any() {
    let s = Settings::from_vars(&HashMap::new()).unwrap();
    assert!(s.cors_origins.is_empty(), "CORS is off by default");
    let s = Settings::from_vars(&vars(&[(
        "BOXOFFICE_CORS_ORIGINS",
        "https://Shop.Example.org, http://localhost:3000,https://shop.example.org:443/",
    )]))
    .unwrap();
    assert_eq!(
        s.cors_origins,
        ["https://shop.example.org", "http://localhost:3000"]
    );
    for bad in [
        "*",
        "https://*.example.org",
        "shop.example.org",
        "ftp://shop.example.org",
        "https://shop.example.org/app",
        "https://user@shop.example.org",
        "https://shop.example.org?x=1",
    ] {
        let err = Settings::from_vars(&vars(&[("BOXOFFICE_CORS_ORIGINS", bad)])).unwrap_err();
        assert_eq!(err.variable, "BOXOFFICE_CORS_ORIGINS", "{bad} was accepted");
    }
}

#[test]
fn the_metrics_listener_is_off_unless_named_and_never_the_public_port() {
    let s = Settings::from_vars(&HashMap::new()).unwrap();
    assert_eq!(s.metrics_bind, None, "no metrics listener by default");
    let s = Settings::from_vars(&vars(&[("BOXOFFICE_METRICS_BIND", "127.0.0.1:9464")])).unwrap();
    assert_eq!(s.metrics_bind.as_deref(), Some("127.0.0.1:9464"));
    for bad in ["9464", "localhost:9464", "127.0.0.1"] {
        let err = Settings::from_vars(&vars(&[("BOXOFFICE_METRICS_BIND", bad)])).unwrap_err();
        assert_eq!(err.variable, "BOXOFFICE_METRICS_BIND", "{bad}");
    }
    let err = Settings::from_vars(&vars(&[
        ("BOXOFFICE_BIND", "0.0.0.0:8080"),
        ("BOXOFFICE_METRICS_BIND", "127.0.0.1:8080"),
    ]))
    .unwrap_err();
    assert_eq!(err.variable, "BOXOFFICE_METRICS_BIND");
}
