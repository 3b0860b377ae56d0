//! `saml-sp serve`: a demo SAML 2.0 service provider web application, the "application" users
//! sign into in identity-center's end-to-end tests and README walkthrough.
//!
//! | Route | What it does |
//! |---|---|
//! | `GET /` | "Sign in", or the verified NameID, Format, SessionIndex, Issuer and attributes |
//! | `GET /session` | the same as JSON (`{"signed_in": false}` when signed out) |
//! | `GET /login?return_to=/path` | an AuthnRequest to the IdP (Redirect or POST binding) |
//! | `POST /acs` | validates the SAMLResponse, opens a server-side session, 303 to RelayState |
//! | `POST /logout` | ends the session; SP-initiated single logout when the IdP has SLO |
//! | `GET`/`POST /slo` | the IdP's LogoutResponse, or its LogoutRequest (answered) |
//! | `GET /metadata` | this SP's EntityDescriptor |
//!
//! The clock and the OS random source are read here, never inside fedkit-saml.

mod app;
mod config;
mod form;
mod html;
mod metadata;
mod return_path;
mod sessions;
mod slo;
mod sp_error;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

pub use config::{BindingArg, ServeArgs};
pub use return_path::{MAX_RELAY_STATE_BYTES, ReturnPathFault, check_return_path};
pub use sp_error::SpError;

/// Resolves on SIGINT or SIGTERM. The handlers are registered when this is called, before the
/// start-up lines are printed, so a signal sent right after them is not lost.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (term, interrupt) {
                (Ok(mut term), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = interrupt.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the SP until SIGINT or SIGTERM. Exit 2 on a configuration error, 1 if serving fails.
pub fn serve(args: &ServeArgs) -> ExitCode {
    let fail = |code: u8, message: String| {
        eprintln!("saml-sp: {message}");
        ExitCode::from(code)
    };
    let files = match config::LoadedFiles::read(args) {
        Ok(files) => files,
        Err(message) => return fail(2, message),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(1, format!("runtime: {e}")),
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(&args.listen).await {
            Ok(listener) => listener,
            Err(e) => return fail(2, format!("cannot listen on {}: {e}", args.listen)),
        };
        let local = match listener.local_addr() {
            Ok(local) => local,
            Err(e) => return fail(1, e.to_string()),
        };
        let (config, idp_xml, view) = match config::configure(args, files, local) {
            Ok(loaded) => loaded,
            Err(message) => return fail(2, message),
        };
        if view.idp.wants_signed_requests && !config.sign_requests {
            eprintln!(
                "saml-sp: warning: the IdP wants signed AuthnRequests; start with \
                 --sign-requests --key KEY.pem --cert CERT.pem"
            );
        }
        if args.allow_unsolicited {
            eprintln!(
                "saml-sp: warning: --allow-unsolicited accepts IdP-initiated responses \
                 (weaker: login CSRF)"
            );
        }
        let shutdown = shutdown_signal();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "SP listening on http://{local}");
        let _ = writeln!(out, "SP entity ID: {}", config.entity_id);
        let _ = writeln!(out, "SP ACS URL: {}", config.acs_url);
        let _ = writeln!(out, "SP metadata URL: {}", config.metadata_url);
        let _ = writeln!(
            out,
            "SP single logout: {}",
            if config.slo_enabled(&view) {
                config.slo_url.as_str()
            } else {
                "off (local sign-out only)"
            }
        );
        let _ = out.flush();
        drop(out);
        let app = Arc::new(app::App::new(config, idp_xml, view));
        match axum::serve(listener, app::router(app))
            .with_graceful_shutdown(shutdown)
            .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(1, format!("server: {e}")),
        }
    })
}
