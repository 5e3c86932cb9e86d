//! Money: integer minor units plus an ISO 4217 currency code. Never floats.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Text};

/// A three-letter ISO 4217 currency code (`EUR`), parsed once at the boundary and `Copy` after.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = Text)]
pub struct Currency([u8; 3]);

/// A currency code that is not three ASCII upper-case letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a three-letter currency code")]
pub struct InvalidCurrency(pub String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, InvalidCurrency> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Currency([a, b, c])),
            _ => Err(InvalidCurrency(code.chars().take(40).collect())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Always three ASCII letters (checked by `parse`), so always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl std::str::FromStr for Currency {
    type Err = InvalidCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl<DB> ToSql<Text, DB> for Currency
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_str().to_sql(out)
    }
}

impl<DB> FromSql<Text, DB> for Currency
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        Ok(Currency::parse(&text)?)
    }
}

/// An amount of one currency. Loads straight from an `(amount_cents, currency)` pair of columns:
/// a row field `amount: Money` with `#[diesel(select_expression = (t::amount_cents, t::currency))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    pub cents: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(cents: i64, currency: Currency) -> Self {
        Money { cents, currency }
    }

    /// How many minor units the currency has (ISO 4217); the catalogue's currencies all have 2
    /// except the zero-decimal ones listed here.
    fn exponent(&self) -> u32 {
        match self.currency.as_str() {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "HUF" => 0,
            _ => 2,
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        match self.currency.as_str() {
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            "USD" => Some("$"),
            "JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl fmt::Display for Money {
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

impl<DB> Queryable<(BigInt, Text), DB> for Money
where
    DB: Backend,
    i64: FromSql<BigInt, DB>,
    Currency: FromSql<Text, DB>,
{
    type Row = (i64, Currency);

    fn build((cents, currency): Self::Row) -> deserialize::Result<Self> {
        Ok(Money { cents, currency })
    }
}

/// Serialises an amount as the two fields `amount_cents` and `currency` of the enclosing
/// struct (with `#[serde(flatten, serialize_with = "..")]`), the wire shape of the API and
/// the gateway.
pub fn as_amount_cents_and_currency<S: serde::Serializer>(
    money: &Money,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut fields = s.serialize_struct("Money", 2)?;
    fields.serialize_field("amount_cents", &money.cents)?;
    fields.serialize_field("currency", &money.currency)?;
    fields.end()
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

    fn money(cents: i64, code: &str) -> Money {
        Money::new(cents, Currency::parse(code).unwrap())
    }

    #[test]
    fn formats_minor_units_with_symbol_or_code() {
        assert_eq!(money(4500, "EUR").to_string(), "€45.00");
        assert_eq!(money(125050, "GBP").to_string(), "£1,250.50");
        assert_eq!(money(5, "USD").to_string(), "$0.05");
        assert_eq!(money(35000, "CZK").to_string(), "350.00 CZK");
        assert_eq!(money(1500, "JPY").to_string(), "¥1,500");
        assert_eq!(money(-250, "EUR").to_string(), "-€2.50");
        assert_eq!(money(123456789, "EUR").to_string(), "€1,234,567.89");
    }

    #[test]
    fn a_currency_is_three_upper_case_ascii_letters() {
        assert_eq!(Currency::parse("EUR").unwrap().as_str(), "EUR");
        assert_eq!(Currency::parse("CZK").unwrap().to_string(), "CZK");
        for bad in ["", "EU", "EURO", "eur", "Eur", "E1R", "ÉUR", " EUR", "€"] {
            assert!(Currency::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_currency_serialises_as_its_code() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(serde_json::to_string(&eur).unwrap(), "\"EUR\"");
        assert_eq!(serde_json::from_str::<Currency>("\"EUR\"").unwrap(), eur);
        assert!(serde_json::from_str::<Currency>("\"eur\"").is_err());
    }

    #[test]
    fn an_amount_serialises_as_two_fields_in_place() {
        #[derive(serde::Serialize)]
        struct Row {
            id: i64,
            #[serde(flatten, serialize_with = "as_amount_cents_and_currency")]
            amount: Money,
            method: &'static str,
        }
        let row = Row {
            id: 1,
            amount: money(4500, "EUR"),
            method: "card",
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"id":1,"amount_cents":4500,"currency":"EUR","method":"card"}"#
        );
    }
}
