//! The sales-over-time chart of an event's statistics page: paid bookings put into days (or
//! weeks, when sales ran long), then laid out as SVG bars with a cumulative line. Pure: the
//! page's template only prints the numbers worked out here.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

/// One paid booking: when it was paid, its tickets and its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    pub at: NaiveDateTime,
    pub tickets: i64,
    pub revenue_cents: i64,
}

/// Sales of one period (a day, or `days` days from `start`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub start: NaiveDate,
    pub tickets: i64,
    pub revenue_cents: i64,
    /// Tickets sold up to the end of this period.
    pub cumulative: i64,
}

/// A bar of the chart, in the SVG's units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    /// "Mon 3 Nov 2026: 12 tickets"
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesChart {
    pub buckets: Vec<Bucket>,
    /// Days per bucket: 1, or 7 when there would be too many bars.
    pub days: i64,
    pub bars: Vec<Bar>,
    /// `points` of the cumulative tickets' polyline.
    pub line: String,
    /// Most tickets in one bucket (the bars' scale) and in all (the line's).
    pub peak: i64,
    pub total: i64,
    pub first_label: String,
    pub last_label: String,
}

/// The SVG's size and the plot area inside it.
pub const WIDTH: i32 = 640;
pub const HEIGHT: i32 = 220;
pub const LEFT: i32 = 44;
pub const RIGHT: i32 = 44;
pub const TOP: i32 = 12;
pub const BOTTOM: i32 = 28;
/// More days than this are shown as weeks.
pub const MAX_DAILY_BARS: i64 = 62;

impl SalesChart {
    /// Sales from the first one's day up to `today` (or the last sale, if later). `None` when
    /// nothing was sold.
    pub fn of(sales: &[Sale], today: NaiveDate) -> Option<SalesChart> {
        let first = sales.iter().map(|s| s.at.date()).min()?;
        let last = sales
            .iter()
            .map(|s| s.at.date())
            .max()
            .unwrap_or(first)
            .max(today);
        let span = (last - first).num_days() + 1;
        let days = if span > MAX_DAILY_BARS { 7 } else { 1 };
        let count = (span + days - 1) / days;
        let mut buckets: Vec<Bucket> = (0..count)
            .map(|i| Bucket {
                start: first + TimeDelta::days(i * days),
                tickets: 0,
                revenue_cents: 0,
                cumulative: 0,
            })
            .collect();
        for sale in sales {
            let index = ((sale.at.date() - first).num_days() / days) as usize;
            if let Some(b) = buckets.get_mut(index) {
                b.tickets += sale.tickets;
                b.revenue_cents += sale.revenue_cents;
            }
        }
        let mut running = 0;
        for b in &mut buckets {
            running += b.tickets;
            b.cumulative = running;
        }
        let peak = buckets.iter().map(|b| b.tickets).max().unwrap_or(0).max(1);
        let total = running.max(1);
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let n = buckets.len() as i32;
        let step = plot_w / n.max(1);
        let gap = if step > 4 { (step / 5).max(1) } else { 0 };
        let bottom = TOP + plot_h;
        let bars = buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let height = (b.tickets * i64::from(plot_h) / peak) as i32;
                let what = if days == 1 {
                    b.start.format("%a %-d %b %Y").to_string()
                } else {
                    format!("Week of {}", b.start.format("%a %-d %b %Y"))
                };
                Bar {
                    x: LEFT + i as i32 * step + gap / 2,
                    y: bottom - height,
                    width: (step - gap).max(1),
                    height,
                    title: format!(
                        "{what}: {} ticket{}",
                        b.tickets,
                        if b.tickets == 1 { "" } else { "s" }
                    ),
                }
            })
            .collect();
        let line = buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let x = LEFT + i as i32 * step + step / 2;
                let y = bottom - (b.cumulative * i64::from(plot_h) / total) as i32;
                format!("{x},{y}")
            })
            .collect::<Vec<_>>()
            .join(" ");
        let label = |d: NaiveDate| d.format("%-d %b").to_string();
        Some(SalesChart {
            first_label: label(first),
            last_label: label(buckets.last().map_or(first, |b| b.start)),
            days,
            bars,
            line,
            peak,
            total: running,
            buckets,
        })
    }

    /// The bars' baseline.
    pub fn baseline(&self) -> i32 {
        HEIGHT - BOTTOM
    }

    pub fn left_edge(&self) -> i32 {
        LEFT
    }

    pub fn top_edge(&self) -> i32 {
        TOP
    }

    pub fn right_edge(&self) -> i32 {
        WIDTH - RIGHT
    }

    pub fn view_box(&self) -> String {
        format!("0 0 {WIDTH} {HEIGHT}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    fn sale(day: u32, tickets: i64) -> Sale {
        Sale {
            at: at(day, 12),
            tickets,
            revenue_cents: tickets * 1_000,
        }
    }

    #[test]
    fn nothing_sold_draws_no_chart() {
        assert_eq!(SalesChart::of(&[], at(1, 0).date()), None);
    }

    #[test]
    fn daily_buckets_run_from_the_first_sale_to_today() {
        let chart = SalesChart::of(&[sale(3, 2), sale(3, 1), sale(5, 4)], at(7, 0).date()).unwrap();
        assert_eq!(chart.days, 1);
        let tickets: Vec<i64> = chart.buckets.iter().map(|b| b.tickets).collect();
        assert_eq!(tickets, [3, 0, 4, 0, 0]);
        let cumulative: Vec<i64> = chart.buckets.iter().map(|b| b.cumulative).collect();
        assert_eq!(cumulative, [3, 3, 7, 7, 7]);
        assert_eq!(chart.buckets[2].revenue_cents, 4_000);
        assert_eq!((chart.peak, chart.total), (4, 7));
        assert_eq!(chart.bars.len(), 5);
        assert_eq!(chart.first_label, "3 Nov");
        assert_eq!(chart.last_label, "7 Nov");
    }

    #[test]
    fn the_tallest_bar_fills_the_plot_and_bars_stay_inside() {
        let chart = SalesChart::of(&[sale(1, 1), sale(2, 10)], at(2, 0).date()).unwrap();
        let tallest = chart.bars.iter().max_by_key(|b| b.height).unwrap();
        assert_eq!(tallest.height, HEIGHT - TOP - BOTTOM);
        assert_eq!(tallest.y, TOP);
        assert_eq!(chart.bars[0].height, (HEIGHT - TOP - BOTTOM) / 10);
        for bar in &chart.bars {
            assert!(
                bar.x >= LEFT && bar.x + bar.width <= WIDTH - RIGHT,
                "{bar:?}"
            );
            assert_eq!(bar.y + bar.height, chart.baseline());
        }
        assert!(
            chart.bars[1].title.ends_with("10 tickets"),
            "{}",
            chart.bars[1].title
        );
        assert!(
            chart.bars[0].title.ends_with(": 1 ticket"),
            "{}",
            chart.bars[0].title
        );
        // The cumulative line ends at the top: everything sold by the last day.
        assert!(chart.line.ends_with(&format!(",{TOP}")), "{}", chart.line);
    }

    #[test]
    fn long_sales_are_shown_by_week() {
        let sales = [sale(1, 1), sale(8, 2), sale(9, 3)];
        let today = at(1, 0).date() + TimeDelta::days(100);
        let chart = SalesChart::of(&sales, today).unwrap();
        assert_eq!(chart.days, 7);
        assert_eq!(chart.buckets.len(), 15); // 101 days in weeks
        assert_eq!(chart.buckets[0].tickets, 1);
        assert_eq!(chart.buckets[1].tickets, 5);
        assert_eq!(chart.total, 6);
        assert!(chart.bars[1].title.starts_with("Week of "));
    }
}
