use super::*;
use chrono::{TimeZone, Utc};

#[test]
fn an_address_is_throttled_on_an_account_after_its_burst_and_recovers() {
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    let limits = RateLimits::new(&clock, 60);
    // Successful sign-ins do not count…
    for _ in 0..5 {
        assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
    }
    // …failures do.
    for _ in 0..10 {
        assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
        limits.login_failed("10.0.0.1", "ada@example.com", None);
    }
    let Err(LoginRefused::Throttled(RetryAfter(wait))) =
        limits.login("10.0.0.1", "ADA@example.com", None)
    else {
        panic!("the address is throttled on the account");
    };
    assert!((1..=90).contains(&wait), "{wait}");
    // Another address, and the same address on another account, are unaffected.
    assert!(limits.login("10.0.0.2", "ada@example.com", None).is_ok());
    assert!(limits.login("10.0.0.1", "bob@example.com", None).is_ok());
    clock.advance(chrono::TimeDelta::seconds(wait as i64));
    assert!(limits.login("10.0.0.1", "ada@example.com", None).is_ok());
}

#[test]
fn failures_from_everywhere_never_refuse_the_owners_address_before_the_lock_threshold() {
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    let limits = RateLimits::new(&clock, 60);
    for i in 0..50 {
        let ip = format!("10.0.{}.{}", i / 10, i % 10);
        assert!(limits.login(&ip, "ada@example.com", None).is_ok());
        limits.login_failed(&ip, "ada@example.com", None);
    }
    let pause = limits.login("192.168.1.1", "ada@example.com", None);
    assert_eq!(
        pause,
        Ok(Duration::from_secs(2)),
        "slowed down, not refused"
    );
    // Past the lock threshold unknown devices are refused; a known device is not.
    for i in 50..REFUSE_AFTER {
        limits.login_failed(&format!("10.1.0.{i}"), "ada@example.com", None);
    }
    assert!(matches!(
        limits.login("192.168.1.1", "ada@example.com", None),
        Err(LoginRefused::Locked(_))
    ));
    assert_eq!(
        limits.login("192.168.1.1", "ada@example.com", Some("device")),
        Ok(Duration::ZERO)
    );
    // Failures on a known device do not fill the bucket; the bucket leaks.
    limits.login_failed("192.168.1.1", "ada@example.com", Some("device"));
    clock.advance(chrono::TimeDelta::minutes(2));
    assert!(limits.login("192.168.1.1", "ada@example.com", None).is_ok());
}

#[test]
fn the_pause_grows_with_failures_up_to_the_maximum() {
    let max = Duration::from_secs(2);
    assert_eq!(slowdown(0.0, max), Duration::ZERO);
    assert_eq!(
        slowdown(f64::from(SLOWDOWN_AFTER) - 0.5, max),
        Duration::ZERO
    );
    assert_eq!(slowdown(f64::from(SLOWDOWN_AFTER), max), max / 10);
    assert_eq!(slowdown(f64::from(SLOWDOWN_AFTER) + 4.0, max), max / 2);
    assert_eq!(slowdown(1_000.0, max), max);
    assert_eq!(slowdown(1_000.0, Duration::ZERO), Duration::ZERO);
}

#[test]
fn a_known_device_has_its_own_budget() {
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    // 20 sign-in attempts an address an hour (the default is generous): enough to throttle.
    let limits = RateLimits::new(&clock, 60).with_address_limits(120, 20);
    for i in 0..20 {
        let account = format!("x{i}@example.com");
        assert!(limits.login("10.0.0.1", &account, None).is_ok());
    }
    // The address is throttled, on every account.
    assert!(limits.login("10.0.0.1", "ada@example.com", None).is_err());
    for _ in 0..10 {
        assert!(
            limits
                .login("10.0.0.1", "ada@example.com", Some("d1"))
                .is_ok()
        );
    }
    assert!(matches!(
        limits.login("10.0.0.1", "ada@example.com", Some("d1")),
        Err(LoginRefused::Throttled(_))
    ));
}

#[test]
fn holds_are_limited_per_account_unless_the_limit_is_off() {
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    let limits = RateLimits::new(&clock, 6);
    for _ in 0..6 {
        assert!(limits.hold(1).is_ok());
    }
    assert_eq!(
        limits.hold(1),
        Err(RetryAfter(10)),
        "one every 10 s after the burst"
    );
    assert!(limits.hold(2).is_ok(), "another account is unaffected");
    clock.advance(chrono::TimeDelta::seconds(10));
    assert!(limits.hold(1).is_ok());
    let off = RateLimits::new(&clock, 0);
    assert!((0..1_000).all(|_| off.hold(1).is_ok()));
}

#[test]
fn per_address_limits_are_generous_by_default_and_set_by_the_settings() {
    let clock = Clock::fixed(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
    let limits = RateLimits::new(&clock, 60);
    for i in 0..600 {
        let account = format!("x{i}@example.com");
        assert!(limits.login("10.0.0.1", &account, None).is_ok(), "{i}");
    }
    assert!(limits.login("10.0.0.1", "ada@example.com", None).is_err());
    for _ in 0..120 {
        assert!(limits.register("10.0.0.1").is_ok());
    }
    let Err(RetryAfter(wait)) = limits.register("10.0.0.1") else {
        panic!("the 121st sign-up in an hour waits");
    };
    assert_eq!(wait, 30, "one more every 30 s (120 an hour)");
    let strict = RateLimits::new(&clock, 60).with_address_limits(2, 3);
    assert!(strict.register("10.0.0.2").is_ok() && strict.register("10.0.0.2").is_ok());
    assert!(strict.register("10.0.0.2").is_err());
    assert!(strict.register("10.0.0.3").is_ok(), "another address");
}

#[test]
fn shared_keys_are_prefixed_and_a_long_one_is_stored_as_its_hash() {
    assert_eq!(shared_key("login_ip", "10.0.0.1"), "login_ip:10.0.0.1");
    let long = "a".repeat(5_000);
    let stored = shared_key("login_failures", &long);
    assert!(stored.starts_with("login_failures:sha256:"), "{stored}");
    assert_eq!(stored.len(), "login_failures:sha256:".len() + 64);
    assert_ne!(stored, shared_key("login_failures", &"b".repeat(5_000)));
}
