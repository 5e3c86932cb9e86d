//! What the live panel derives from the room's figures (§3.14): wait percentiles, conversion,
//! and the sizing hint from Little's law. No I/O.

use crate::db::queue::admin::Figures;

/// The figures and what follows from them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Panel {
    pub figures: Figures,
    /// Join (or draw) to call, seconds, for tickets called in the last 30 minutes.
    pub median_wait: Option<i64>,
    pub p90_wait: Option<i64>,
    /// Claim to payment, seconds (turns paid in the last 30 minutes).
    pub median_session: Option<i64>,
    /// Paid turns out of the claimed turns that ended, in percent.
    pub conversion: Option<f64>,
    /// Calls per minute that keep `M` buyers busy: `M ÷ median session` (Little's law).
    pub suggested_rate: Option<f64>,
}

/// The `p`-th percentile (0–100) of sorted values, nearest rank.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p.min(100)) * sorted.len() as u64).div_ceil(100);
    let index = usize::try_from(rank.max(1) - 1).unwrap_or(0);
    sorted.get(index.min(sorted.len() - 1)).copied()
}

impl Panel {
    pub fn new(figures: Figures, max_active: Option<i32>) -> Panel {
        let median_session = percentile(&figures.sessions, 50);
        let suggested_rate = match (max_active, median_session) {
            (Some(m), Some(s)) if s > 0 => Some(f64::from(m) * 60.0 / s as f64),
            _ => None,
        };
        Panel {
            median_wait: percentile(&figures.waits, 50),
            p90_wait: percentile(&figures.waits, 90),
            median_session,
            conversion: (figures.turns_ended > 0)
                .then(|| figures.done as f64 * 100.0 / figures.turns_ended as f64),
            suggested_rate,
            figures,
        }
    }

    /// A duration for people: `45 s`, `3 min 20 s`, `1 h 05 min`; `–` without data.
    pub fn duration(seconds: &Option<i64>) -> String {
        match *seconds {
            None => "–".to_owned(),
            Some(s) if s < 60 => format!("{s} s"),
            Some(s) if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
            Some(s) => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        }
    }

    pub fn conversion_text(&self) -> String {
        self.conversion
            .map_or_else(|| "–".to_owned(), |c| format!("{c:.0}%"))
    }

    pub fn suggested_rate_text(&self) -> Option<String> {
        self.suggested_rate.map(|r| format!("{}", r.round() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn conversion_and_the_sizing_hint_need_data() {
        let empty = Panel::new(Figures::default(), Some(100));
        assert_eq!((empty.conversion, empty.suggested_rate), (None, None));
        let figures = Figures {
            done: 3,
            turns_ended: 4,
            sessions: vec![120, 240, 600],
            ..Figures::default()
        };
        let panel = Panel::new(figures, Some(100));
        assert_eq!(panel.conversion, Some(75.0));
        assert_eq!(panel.median_session, Some(240));
        assert_eq!(panel.suggested_rate_text().as_deref(), Some("25"));
        assert_eq!(Panel::duration(&Some(200)), "3 min 20 s");
        assert_eq!(Panel::duration(&None), "–");
    }
}
