//! Who is asking: the signed-in account behind the session, checked on every request against
//! the database (the session epoch, the account being enabled, idle and absolute timeouts).

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::web::Data;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};

use crate::services::accounts::{self, Account};
use crate::web::error::AppError;
use crate::web::session;
use crate::web::state::AppState;

/// What every page needs to render its layout: the signed-in account, if any, and the CSRF
/// token that its forms and htmx requests carry.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub user: Option<Account>,
    pub csrf: String,
    /// A notice left by the previous request (after a redirect).
    pub flash: Option<String>,
    /// Behind the admin guard: which parts of the box office the caller may open.
    pub staff: Option<crate::web::access::StaffNav>,
}

/// The request's [`Layout`]; a session that no longer holds (logged out everywhere, password
/// changed, account disabled, timed out) is ended here.
#[derive(Clone)]
pub struct PageContext {
    pub layout: Layout,
    pub session: Session,
    /// This page's path and query, to come back to after logging in.
    here: String,
    htmx: bool,
}

impl PageContext {
    /// The signed-in account, or a trip to the login page that comes back here.
    pub fn require_user(&self) -> Result<Account, AppError> {
        self.layout
            .user
            .clone()
            .ok_or_else(|| AppError::LoginRequired {
                next: self.here.clone(),
                htmx: self.htmx,
            })
    }
}

impl FromRequest for PageContext {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Built once per request (a guard in front of the handler may have built it already):
        // the session and the account are read once and a notice is shown once.
        if let Some(ctx) = req.extensions().get::<PageContext>() {
            let ctx = ctx.clone();
            return Box::pin(async move { Ok(ctx) });
        }
        let req = req.clone();
        Box::pin(async move {
            let session = req.get_session();
            let state = req
                .app_data::<Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal("application state missing"))?;
            let htmx = crate::web::hx::is_htmx(&req);
            let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
            // An htmx request's own path may be a POST-only endpoint: come back to its page.
            let here = if htmx {
                crate::web::hx::came_from(req.headers(), true, path)
            } else {
                path.to_owned()
            };
            let user = signed_in(&state, &session).await?;
            let csrf = session::csrf_token(&session);
            let flash = if htmx {
                None
            } else {
                session::take_flash(&session)
            };
            let ctx = PageContext {
                layout: Layout {
                    user,
                    csrf,
                    flash,
                    staff: None,
                },
                session,
                here,
                htmx,
            };
            req.extensions_mut().insert(ctx.clone());
            Ok(ctx)
        })
    }
}

async fn signed_in(state: &AppState, session: &Session) -> Result<Option<Account>, AppError> {
    let Some(claims) = session::claims(session) else {
        return Ok(None);
    };
    let now = state.clock.now_utc();
    if claims.expired(now) {
        session::forget(session);
        return Ok(None);
    }
    let touch = session::touch_due(&claims, now);
    let (user, hash, epoch) = (claims.user, claims.session_hash.clone(), claims.epoch);
    let found = state
        .run(move |db, now| accounts::find_session(db, user, &hash, epoch, now, touch))
        .await??;
    match found {
        Some(account) => {
            if touch {
                session::touch(session, now);
            }
            Ok(Some(account))
        }
        None => {
            session::forget(session);
            Ok(None)
        }
    }
}
