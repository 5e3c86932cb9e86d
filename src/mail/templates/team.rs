//! The team emails (issue 22): "you were added to a team" and the invitation to one, for an
//! address without an account (its link is `/invitations/{token}`).

use askama::Template;
use url::Url;

use super::payload::{AccountEmail, EmailKind, INVITATION_VALID_FOR, Rendered, absolute};

macro_rules! team_email {
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path)]
        struct $name<'a> {
            #[allow(dead_code, reason = "the text bodies have no subject line")]
            subject: &'a str,
            /// team_added: the member; team_invitation: who invited them.
            name: &'a str,
            organizer: &'a str,
            /// In words, lower case ("box office").
            role: &'a str,
            link: &'a str,
            #[allow(dead_code, reason = "only the invitation says how long it lasts")]
            valid_for: &'a str,
            home: &'a str,
            site: &'a str,
        }
    };
}

team_email!(AddedHtml, "email/team_added.html");
team_email!(AddedText, "email/team_added.txt");
team_email!(InvitationHtml, "email/team_invitation.html");
team_email!(InvitationText, "email/team_invitation.txt");

/// Renders a team kind. An `Err` means it can never be sent.
pub(super) fn render(
    kind: EmailKind,
    data: &AccountEmail,
    base_url: &Url,
) -> Result<Rendered, String> {
    let missing = |what: &str| format!("a {} email needs {what}", kind.as_str());
    let organizer = data
        .organizer
        .as_deref()
        .ok_or_else(|| missing("an organizer"))?;
    let role = data.role.as_deref().ok_or_else(|| missing("a role"))?;
    let link = match kind {
        EmailKind::TeamAdded => absolute(base_url, "admin"),
        EmailKind::TeamInvitation => {
            let token = data.token.as_deref().ok_or_else(|| missing("a token"))?;
            absolute(base_url, &format!("invitations/{token}"))
        }
        _ => return Err(format!("{} is not a team email", kind.as_str())),
    };
    let role = role.to_lowercase();
    let (home, site) = (
        absolute(base_url, ""),
        base_url.host_str().unwrap_or("boxoffice").to_owned(),
    );
    let name = data.name.as_str();
    let subject = if kind == EmailKind::TeamAdded {
        format!("You were added to {organizer} on boxoffice")
    } else {
        format!("You are invited to join {organizer} on boxoffice")
    };
    macro_rules! both {
        ($html:ident, $text:ident) => {{
            let html = $html {
                subject: &subject,
                name,
                organizer,
                role: &role,
                link: &link,
                valid_for: INVITATION_VALID_FOR,
                home: &home,
                site: &site,
            }
            .render();
            let text = $text {
                subject: &subject,
                name,
                organizer,
                role: &role,
                link: &link,
                valid_for: INVITATION_VALID_FOR,
                home: &home,
                site: &site,
            }
            .render();
            (html, text)
        }};
    }
    let (html, text) = if kind == EmailKind::TeamAdded {
        both!(AddedHtml, AddedText)
    } else {
        both!(InvitationHtml, InvitationText)
    };
    let fail = |e: askama::Error| format!("cannot render the email: {e}");
    Ok(Rendered {
        subject,
        text: text.map_err(fail)?,
        html: html.map_err(fail)?,
        attachments: Vec::new(),
    })
}
