//! The MIME body of an email: text and HTML alternatives, inline images, attachments.

use lettre::message::header::ContentType;
use lettre::message::{MultiPart, SinglePart};

use super::{Attachment, OutgoingEmail, SendError};

/// The MIME body of an email. Without attachments it is exactly the plain `multipart/alternative`
/// of text and HTML.
pub(super) fn body(email: &OutgoingEmail) -> Result<MultiPart, SendError> {
    let (inline, attached): (Vec<&Attachment>, Vec<&Attachment>) = email
        .attachments
        .iter()
        .partition(|a| a.inline_id.is_some());
    let html = if inline.is_empty() {
        None
    } else {
        let mut related = MultiPart::related().singlepart(SinglePart::html(email.html.clone()));
        for a in inline {
            related = related.singlepart(mime_part(a)?);
        }
        Some(related)
    };
    let alternative = match html {
        None => MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()),
        Some(related) => MultiPart::alternative()
            .singlepart(SinglePart::plain(email.text.clone()))
            .multipart(related),
    };
    if attached.is_empty() {
        return Ok(alternative);
    }
    let mut mixed = MultiPart::mixed().multipart(alternative);
    for a in attached {
        mixed = mixed.singlepart(mime_part(a)?);
    }
    Ok(mixed)
}

fn mime_part(a: &Attachment) -> Result<SinglePart, SendError> {
    let content_type = ContentType::parse(&a.content_type).map_err(|e| {
        SendError::Permanent(format!(
            "the attachment {} has a bad content type `{}`: {e}",
            a.filename, a.content_type
        ))
    })?;
    let builder = match &a.inline_id {
        Some(id) => {
            lettre::message::Attachment::new_inline_with_name(id.clone(), a.filename.clone())
        }
        None => lettre::message::Attachment::new(a.filename.clone()),
    };
    Ok(builder.body(a.body.clone(), content_type))
}
