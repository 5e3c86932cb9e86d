//! Money: integer minor units plus an ISO 4217 currency code. Never floats.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money<'a> {
    pub cents: i64,
    pub currency: &'a str,
}

impl<'a> Money<'a> {
    pub fn new(cents: i64, currency: &'a str) -> Self {
        Money { cents, currency }
    }

    /// How many minor units the currency has (ISO 4217); the catalogue's currencies all have 2
    /// except the zero-decimal ones listed here.
    fn exponent(&self) -> u32 {
        match self.currency {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "HUF" => 0,
            _ => 2,
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        match self.currency {
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            "USD" => Some("$"),
            "JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl fmt::Display for Money<'_> {
    /// `€45.00`, `£1,250.50`, `350 CZK`-style: a symbol where one is unambiguous, else the code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        let exp = self.exponent();
        let unit = 10u64.pow(exp);
        let whole = group_thousands(abs / unit);
        let amount = if exp == 0 {
            whole
        } else {
            format!("{whole}.{:0width$}", abs % unit, width = exp as usize)
        };
        match self.symbol() {
            Some(symbol) => write!(f, "{sign}{symbol}{amount}"),
            None => write!(f, "{sign}{amount} {}", self.currency),
        }
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units_with_symbol_or_code() {
        assert_eq!(Money::new(4500, "EUR").to_string(), "€45.00");
        assert_eq!(Money::new(125050, "GBP").to_string(), "£1,250.50");
        assert_eq!(Money::new(5, "USD").to_string(), "$0.05");
        assert_eq!(Money::new(35000, "CZK").to_string(), "350.00 CZK");
        assert_eq!(Money::new(1500, "JPY").to_string(), "¥1,500");
        assert_eq!(Money::new(-250, "EUR").to_string(), "-€2.50");
        assert_eq!(Money::new(123456789, "EUR").to_string(), "€1,234,567.89");
    }
}
