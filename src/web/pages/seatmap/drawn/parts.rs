//! A drawing in parts: the frame of the map (outlines, labels, standing areas, the list's
//! tables) and its seats in runs of [`RUN`], each part compressed on its own
//! (`web::encoding::Shared`). A new drawing takes over every part of the drawing before it
//! that shows the same (the same seats in the same states, the same frame text), with its
//! compressions, so a change draws and compresses again only the parts it touched: one hold
//! on the 20,010-seat arena is one run of seats, not 5.5 MB.
//!
//! A seat in a part taken over keeps the `data-v` of the drawing that drew it: its state was
//! read then and is the same now, so the stream's rule (an update older than what a seat shows
//! is dropped) holds with the older number too.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;

use crate::domain::ids::{EventId, SeatId};
use crate::domain::seatmap::SeatState;
use crate::web::encoding::{Piece, Shared};
use crate::web::error::AppError;
use crate::web::pages::seatmap::view::{SeatMap, SeatView};

/// Seats per part: small enough that one change costs little to draw and compress again,
/// big enough that the parts compress nearly as well as the whole.
const RUN: usize = 400;

/// Where a group of seats goes in the frame the map and list templates draw:
/// `<!--boxoffice:seats:all-->` (the map: every seat) or `<!--boxoffice:seats:{section}-->`
/// (a list's table).
const MARK: &str = "<!--boxoffice:seats:";
const MARK_END: &str = "-->";

/// A part of the drawing.
struct Part {
    shared: Shared,
    /// A run of seats: its group in the frame and its place in that group (none: a piece of
    /// the frame, numbered by `frame`).
    run: Option<(String, usize)>,
    frame: usize,
}

/// The drawing's parts, in order.
pub struct Parts {
    parts: Vec<Arc<Part>>,
    /// The seats drawn in each part (indexes into this drawing's map).
    seats: Vec<Vec<usize>>,
    /// The part each seat of the map is drawn in.
    part_of: HashMap<SeatId, usize>,
}

/// What a drawing is drawn with.
pub struct Drawing<'a> {
    pub map: &'a SeatMap,
    pub list: bool,
    pub v: u64,
}

impl Parts {
    /// `frame` (the map or list template, with marks where the seats go) and the seats of
    /// `now`, taking over from `before` (the previous drawing) every part that is the same.
    pub fn new(
        frame: &str,
        now: &Drawing,
        before: Option<(&SeatMap, &Parts)>,
    ) -> Result<Parts, AppError> {
        let mut old_runs = HashMap::new();
        let mut old_frame = HashMap::new();
        if let Some((_, parts)) = before {
            for (q, part) in parts.parts.iter().enumerate() {
                match &part.run {
                    Some(run) => old_runs.insert(run.clone(), (part, &parts.seats[q])),
                    None => old_frame.insert(part.frame, (part, &parts.seats[q])),
                };
            }
        }
        // The same seats, drawn the same (their states, whether they can be clicked).
        let same_seats = |old: &[usize], seats: &[usize]| {
            before.is_some_and(|(map, _)| {
                map.on_sale == now.map.on_sale
                    && old.len() == seats.len()
                    && old
                        .iter()
                        .zip(seats)
                        .all(|(o, n)| map.seats[*o] == now.map.seats[*n])
            })
        };
        let mut parts: Vec<Arc<Part>> = Vec::new();
        let mut seats_of: Vec<Vec<usize>> = Vec::new();
        let mut rest = frame;
        let mut frame_no = 0;
        loop {
            let (text, group) = match rest.find(MARK) {
                Some(at) => {
                    let after = &rest[at + MARK.len()..];
                    let end = after.find(MARK_END).unwrap_or(after.len());
                    let group = &after[..end];
                    let text = &rest[..at];
                    rest = after.get(end + MARK_END.len()..).unwrap_or("");
                    (text, Some(group))
                }
                None => (std::mem::take(&mut rest), None),
            };
            if !text.is_empty() {
                let part = match old_frame.get(&frame_no) {
                    Some((old, _)) if old.shared.text() == text => Arc::clone(old),
                    _ => Arc::new(Part {
                        shared: Shared::new(text.to_owned()),
                        run: None,
                        frame: frame_no,
                    }),
                };
                parts.push(part);
                seats_of.push(Vec::new());
            }
            frame_no += 1;
            let Some(group) = group else { break };
            let seats = group_seats(now.map, group);
            for (i, run) in seats.chunks(RUN).enumerate() {
                let key = (group.to_owned(), i);
                let part = match old_runs.get(&key) {
                    Some((old, seats)) if same_seats(seats, run) => Arc::clone(old),
                    _ => Arc::new(Part {
                        shared: Shared::new(draw_run(now, run)?),
                        run: Some(key),
                        frame: 0,
                    }),
                };
                parts.push(part);
                seats_of.push(run.to_vec());
            }
        }
        let mut part_of = HashMap::with_capacity(now.map.seats.len());
        for (p, seats) in seats_of.iter().enumerate() {
            for seat in seats {
                part_of.insert(now.map.seats[*seat].id, p);
            }
        }
        Ok(Parts {
            parts,
            seats: seats_of,
            part_of,
        })
    }

    /// How many of the parts `self` took over from `before`.
    pub fn kept_from(&self, before: &Parts) -> usize {
        self.parts
            .iter()
            .filter(|p| before.parts.iter().any(|b| Arc::ptr_eq(p, b)))
            .count()
    }

    /// How many parts there are.
    pub fn count(&self) -> usize {
        self.parts.len()
    }

    /// The parts `mine` (the visitor's seats, drawn held for everyone) are in, drawn again
    /// with those seats as the visitor's own: (part, its text for this visitor).
    pub fn with_mine(
        &self,
        now: &Drawing,
        mine: &[SeatId],
    ) -> Result<Vec<(usize, String)>, AppError> {
        let mut own: Vec<(usize, String)> = Vec::new();
        for id in mine {
            let Some(&p) = self.part_of.get(id) else {
                continue;
            };
            let part = &self.parts[p];
            let Some(seat) = self.seats[p]
                .iter()
                .map(|i| &now.map.seats[*i])
                .find(|s| s.id == *id)
            else {
                continue;
            };
            // Drawn held (by someone, as everyone sees it): it is this visitor's.
            if seat.state != SeatState::Held {
                continue;
            }
            let seat = SeatView {
                state: SeatState::Mine,
                ..seat.clone()
            };
            let at = match own.iter().position(|(q, _)| *q == p) {
                Some(at) => at,
                None => {
                    own.push((p, part.shared.text().to_owned()));
                    own.len() - 1
                }
            };
            let current = &own[at].1;
            let Some(range) = element(current, *id, now.list) else {
                continue;
            };
            let drawn = one_seat(&seat, now)?;
            let mut next = String::with_capacity(current.len() + drawn.len());
            next.push_str(&current[..range.start]);
            next.push_str(&drawn);
            next.push_str(&current[range.end..]);
            own[at].1 = next;
        }
        Ok(own)
    }

    /// The drawing as pieces of an answer, with `own` (from [`Parts::with_mine`]) in place
    /// of the shared parts they redraw.
    pub fn pieces<'a>(&'a self, own: &'a [(usize, String)]) -> Vec<Piece<'a>> {
        self.parts
            .iter()
            .enumerate()
            .map(|(p, part)| match own.iter().find(|(q, _)| *q == p) {
                Some((_, text)) => Piece::Own(text),
                None => Piece::Shared(&part.shared),
            })
            .collect()
    }
}

/// The seats of a group named in a mark, in the map's order.
fn group_seats(map: &SeatMap, group: &str) -> Vec<usize> {
    let section = group.parse::<i64>().ok();
    map.seats
        .iter()
        .enumerate()
        .filter(|(_, s)| section.is_none_or(|id| s.section_id.0 == id))
        .map(|(i, _)| i)
        .collect()
}

/// Where seat `id`'s element is in a drawn part.
fn element(body: &str, id: SeatId, list: bool) -> Option<std::ops::Range<usize>> {
    if list {
        let start = body.find(&format!("<tr id=\"r{id}\""))?;
        let end = start + body[start..].find("</tr>")? + "</tr>".len();
        return Some(start..end);
    }
    let start = body
        .find(&format!("<circle id=\"s{id}\""))
        .or_else(|| body.find(&format!("<rect id=\"s{id}\"")))?;
    let end = start + body[start..].find("/>")? + "/>".len();
    Some(start..end)
}

/// Seats on the map.
#[derive(Template)]
#[template(
    source = r#"{% for s in seats %}{% include "seats/_seat.html" %}{% endfor %}"#,
    ext = "html"
)]
struct SeatRun<'a> {
    seats: Vec<&'a SeatView>,
    event_id: EventId,
    on_sale: bool,
    oob: bool,
    v: u64,
}

/// Seats as rows of the list's tables.
#[derive(Template)]
#[template(
    source = r#"{% for s in seats %}{% include "seats/_row.html" %}{% endfor %}"#,
    ext = "html"
)]
struct RowRun<'a> {
    seats: Vec<&'a SeatView>,
    on_sale: bool,
    oob: bool,
    v: u64,
}

fn draw(now: &Drawing, seats: Vec<&SeatView>) -> Result<String, AppError> {
    let (on_sale, v) = (now.map.on_sale, now.v);
    let drawn = if now.list {
        RowRun {
            seats,
            on_sale,
            oob: false,
            v,
        }
        .render()
    } else {
        SeatRun {
            seats,
            event_id: now.map.detail.event.id,
            on_sale,
            oob: false,
            v,
        }
        .render()
    };
    drawn.map_err(AppError::internal)
}

fn draw_run(now: &Drawing, run: &[usize]) -> Result<String, AppError> {
    draw(now, run.iter().map(|i| &now.map.seats[*i]).collect())
}

fn one_seat(seat: &SeatView, now: &Drawing) -> Result<String, AppError> {
    draw(now, vec![seat])
}
