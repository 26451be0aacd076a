//! Officer accounts, login with lockout, sessions, and API clients.

use crate::{invalid, pairs, seed};
use dinhdanh_app::AppError;
use dinhdanh_app::accounts::NewOfficer;
use dinhdanh_app::auth::{PrincipalKind, Role, Scope};
use dinhdanh_app::register::SearchInput;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::Jurisdiction;
use dinhdanh_testkit::{TestApp, officer, sample};
use time::Duration;

const PASSWORD: &str = "đây là mật khẩu dài";

fn new_officer(username: &str) -> NewOfficer {
    NewOfficer {
        username: username.to_owned(),
        display_name: "Trần Văn Cán Bộ".to_owned(),
        password: PASSWORD.to_owned(),
        role: Role::Supervisor,
        jurisdiction: Jurisdiction::Commune(sample::BEN_THANH.to_owned()),
    }
}

#[tokio::test]
async fn officer_login_lockout_session_and_logout() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let admin = officer(Role::Administrator, "national");
        let o = t.app.create_officer(&admin, new_officer("tran.canbo")).await.expect("create");
        assert_eq!((o.role, o.active, o.failed_logins), (Role::Supervisor, true, 0), "{e:?}");
        assert!(!o.password_hash.contains(PASSWORD), "{e:?}");
        assert!(
            matches!(
                t.app.create_officer(&admin, new_officer("tran.canbo")).await,
                Err(AppError::Conflict(Rule::Username))
            ),
            "{e:?}"
        );
        let mut bad = new_officer("Tran Canbo");
        bad.password = "ngắn".to_owned();
        assert_eq!(
            invalid(t.app.create_officer(&admin, bad).await),
            pairs(&[("username", Rule::Username), ("password", Rule::Password)]),
            "{e:?}"
        );
        assert_eq!(t.app.officers(&admin).await.expect("list").len(), 1, "{e:?}");

        // A successful login resets the count of failures.
        assert!(matches!(t.app.login("tran.canbo", "sai mật khẩu rồi").await, Err(AppError::Unauthenticated)));
        let stored = t.app.store.officer_by_username("tran.canbo").await.expect("read").expect("found");
        assert_eq!(stored.failed_logins, 1, "{e:?}");
        assert!(matches!(t.app.login("nobody", PASSWORD).await, Err(AppError::Unauthenticated)), "{e:?}");
        let s = t.app.login("tran.canbo", PASSWORD).await.expect("login");
        assert!(s.token.starts_with("dds_"), "{e:?}");
        assert_eq!(t.app.store.officer_by_id(o.id).await.expect("read").expect("found").failed_logins, 0, "{e:?}");
        let (p, session) = t.app.session_principal(&s.token).await.expect("session");
        assert_eq!(
            (p.id, p.kind.clone(), p.jurisdiction.clone()),
            (o.id, PrincipalKind::Officer(Role::Supervisor), o.jurisdiction.clone())
        );
        assert_eq!(session.expires_at, t.app.clock.now() + Duration::hours(8), "{e:?}");
        t.app.logout(&s.token).await.expect("logout");
        assert!(matches!(t.app.session_principal(&s.token).await, Err(AppError::Unauthenticated)), "{e:?}");

        // Lockout after the threshold; even the right password is refused until it runs out.
        let threshold = t.app.config.lockout_threshold;
        for i in 1..threshold {
            assert!(matches!(t.app.login("tran.canbo", "sai mật khẩu rồi").await, Err(AppError::Unauthenticated)));
            let o = t.app.store.officer_by_id(o.id).await.expect("read").expect("found");
            assert_eq!((o.failed_logins, o.locked_until), (i, None), "{e:?}");
        }
        // The failure that locks the account already says so (pages tell staff to wait).
        assert!(matches!(t.app.login("tran.canbo", "sai mật khẩu rồi").await, Err(AppError::Locked)), "{e:?}");
        let locked = t.app.store.officer_by_id(o.id).await.expect("read").expect("found");
        assert_eq!(locked.locked_until, Some(t.app.clock.now() + t.app.config.lockout_duration), "{e:?}");
        assert!(matches!(t.app.login("tran.canbo", PASSWORD).await, Err(AppError::Locked)), "{e:?}");
        t.clock.advance(t.app.config.lockout_duration + Duration::seconds(1));
        let s = t.app.login("tran.canbo", PASSWORD).await.expect("login after the lock ran out");
        let o2 = t.app.store.officer_by_id(o.id).await.expect("read").expect("found");
        assert_eq!((o2.failed_logins, o2.locked_until), (0, None), "{e:?}");

        // Sessions end at their absolute lifetime.
        t.clock.advance(Duration::hours(8));
        assert!(matches!(t.app.session_principal(&s.token).await, Err(AppError::Unauthenticated)), "{e:?}");

        // Only administrators manage accounts.
        let sup = officer(Role::Supervisor, "national");
        assert!(matches!(t.app.officers(&sup).await, Err(AppError::Forbidden)), "{e:?}");
        assert!(matches!(t.app.api_clients(&sup).await, Err(AppError::Forbidden)), "{e:?}");
    }
}

#[tokio::test]
async fn api_clients_are_created_used_and_revoked() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let man = sample::adult_man();
        seed(&t, &man).await;
        let admin = officer(Role::Administrator, "national");
        assert_eq!(
            invalid(t.app.create_api_client(&admin, " ", vec![], Jurisdiction::National).await),
            pairs(&[("name", Rule::Required), ("scopes", Rule::Scope)]),
            "{e:?}"
        );
        let juris = Jurisdiction::Province("79".to_owned());
        let (client, token) = t
            .app
            .create_api_client(&admin, "Bệnh viện Chợ Rẫy", vec![Scope::PersonsRead], juris.clone())
            .await
            .expect("create");
        assert!(token.starts_with("ddk_"), "{e:?}");
        assert_ne!(client.token_digest, token, "{e:?}: only the digest is kept");
        let p = t.app.client_principal(&token).await.expect("token");
        assert_eq!(
            (p.id, p.kind.clone(), p.jurisdiction.clone()),
            (client.id, PrincipalKind::ApiClient(vec![Scope::PersonsRead]), juris)
        );
        let read = t.app.person(&p, &man.pin, None, Some("khám bệnh")).await.expect("read");
        assert_eq!(read.stored.person.id, man.id, "{e:?}");
        let audit = t.app.store.audit_for_person(man.id, 10).await.expect("audit");
        let line = audit.iter().find(|a| a.purpose == "khám bệnh").expect("audited read");
        assert_eq!((line.actor.kind, line.actor.id), ("api_client", client.id), "{e:?}");
        assert!(matches!(
            t.app.search(&p, SearchInput { q: man.pin.to_string(), ..Default::default() }).await,
            Err(AppError::Forbidden)
        ));
        let list = t.app.api_clients(&admin).await.expect("list");
        assert_eq!(list.iter().map(|c| (c.id, c.revoked_at)).collect::<Vec<_>>(), [(client.id, None)], "{e:?}");

        t.app.revoke_api_client(&admin, client.id).await.expect("revoke");
        assert!(matches!(t.app.client_principal(&token).await, Err(AppError::Unauthenticated)), "{e:?}");
        assert_eq!(t.app.api_clients(&admin).await.expect("list")[0].revoked_at, Some(t.app.clock.now()), "{e:?}");
        assert!(matches!(t.app.revoke_api_client(&admin, client.id).await, Err(AppError::NotFound)), "{e:?}");
        assert!(matches!(t.app.client_principal("ddk_unknown").await, Err(AppError::Unauthenticated)), "{e:?}");
    }
}
