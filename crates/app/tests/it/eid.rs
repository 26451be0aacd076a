//! e-ID accounts: level 2 at the counter, SMS activation, sign-in with every second factor,
//! delay and lockout, sessions, the holder's and officers' locks, death, dependants and
//! organisations, on every backend.

use crate::{ClockExt, invalid, pairs, seed};
use dinhdanh_app::AppError;
use dinhdanh_app::audit::AuditAction;
use dinhdanh_app::auth::Role;
use dinhdanh_app::eid::factors::PasskeyResponse;
use dinhdanh_app::eid::officer::Level2Grant;
use dinhdanh_app::eid::{
    ClientCtx, CodeIssue, EidAccount, EidChange, Holder, LoginStep, Method, OrgDraft, SessionStage,
};
use dinhdanh_app::register::EventMeta;
use dinhdanh_crypto::totp::{Totp, base32_decode};
use dinhdanh_domain::codes::Phone;
use dinhdanh_domain::date::PartialDate;
use dinhdanh_domain::eid::{AccountState, Level, LockedBy};
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::{Person, PersonId, RelationKind, Relative};
use dinhdanh_testkit::soft_authenticator::{Authenticator, KeyKind};
use dinhdanh_testkit::{TestApp, officer, sample};
use time::Duration;
use time::macros::date;
use uuid::Uuid;

const PHONE: &str = "0913572468";
const PASSWORD: &str = "mây trắng bay qua đồi chè";
const PASSCODE: &str = "270418";

fn ctx() -> ClientCtx {
    ClientCtx { ip: "192.0.2.10".into(), device: "test browser".into(), device_id: Some("device-1".into()) }
}

fn grant(p: &Person) -> Level2Grant {
    Level2Grant {
        pin: p.pin,
        phone: Some(Phone::parse(PHONE).expect("phone")),
        card_checked: true,
        person_checked: true,
        note: "CCCD gắn chip, đối chiếu khuôn mặt".into(),
    }
}

/// Grants level 2 and activates the account; returns a full session and its token.
async fn active_holder(t: &TestApp, p: &Person) -> (Holder, String) {
    let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
    t.app.eid_grant_level2(&clerk, grant(p)).await.expect("grant");
    let code = t.outbox.last_code(PHONE).expect("activation code sent at the grant");
    t.app.eid_activate(p.pin.as_str(), &code, PASSWORD, PASSCODE, "192.0.2.10").await.expect("activate");
    sign_in(t, p).await
}

/// Password then SMS code.
async fn sign_in(t: &TestApp, p: &Person) -> (Holder, String) {
    sign_in_with(t, p, PASSWORD).await
}

async fn sign_in_with(t: &TestApp, p: &Person, pw: &str) -> (Holder, String) {
    // Seconds after the previous step: no SMS budget makes a legitimate holder wait.
    t.clock.advance(Duration::seconds(3));
    let step = t.app.eid_login(p.pin.as_str(), pw, &ctx()).await.expect("password");
    let LoginStep::SecondFactor(partial, _) = step else { panic!("level 2 always needs a second factor") };
    let holder = t.app.eid_holder(&partial.token).await.expect("partial session");
    t.app.eid_send_login_code(&holder, &ctx()).await.expect("code sent");
    let code = t.outbox.last_code(PHONE).expect("code");
    let full = t.app.eid_second_factor_sms(&holder, &code, &ctx()).await.expect("second factor");
    (t.app.eid_holder(&full.token).await.expect("full session"), full.token)
}

async fn audit_actions(t: &TestApp, person: PersonId) -> Vec<AuditAction> {
    t.app.store.eid_auth_history(person, 500).await.expect("history").into_iter().map(|a| a.action).collect()
}

#[tokio::test]
async fn level2_grant_activation_and_sms_sign_in() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
        let elsewhere = officer(Role::Officer, &format!("commune:{}", sample::BA_DINH));

        // The officer must be in the person's jurisdiction and confirm both checks.
        assert!(matches!(t.app.eid_grant_level2(&elsewhere, grant(&p)).await, Err(AppError::Forbidden)), "{e:?}");
        let unchecked = Level2Grant { card_checked: false, person_checked: false, ..grant(&p) };
        assert_eq!(
            invalid(t.app.eid_grant_level2(&clerk, unchecked).await),
            pairs(&[("card_checked", Rule::EidChecksRequired), ("person_checked", Rule::EidChecksRequired)]),
            "{e:?}"
        );
        assert!(t.app.store.eid_account_by_person(p.id).await.expect("read").is_none(), "{e:?}: nothing written");

        let a = t.app.eid_grant_level2(&clerk, grant(&p)).await.expect("grant");
        assert_eq!((a.level, a.state, a.channel.as_str()), (Level::Two, AccountState::Approved, "counter"), "{e:?}");
        let sms = t.outbox.messages();
        assert_eq!(sms.len(), 1, "{e:?}");
        assert!(!sms[0].text.to_lowercase().contains("mat khau:"), "{e:?}: no password by SMS");
        let code = t.outbox.last_code(PHONE).expect("activation code");

        // A weak or personal password changes nothing, not even the code's attempts.
        assert_eq!(
            invalid(t.app.eid_activate(p.pin.as_str(), &code, "12345678", "111111", "ip").await),
            pairs(&[("password", Rule::EidPasswordCommon), ("passcode", Rule::EidPasscodeWeak)]),
            "{e:?}"
        );
        assert_eq!(
            invalid(t.app.eid_activate(p.pin.as_str(), &code, "An-079090001234", PASSCODE, "ip").await),
            pairs(&[("password", Rule::EidPasswordPersonal)]),
            "{e:?}"
        );
        // A wrong code counts an attempt; an expired one is refused as expired.
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            invalid(t.app.eid_activate(p.pin.as_str(), wrong, PASSWORD, PASSCODE, "ip").await),
            pairs(&[("code", Rule::EidCodeWrong)]),
            "{e:?}"
        );
        t.clock.advance(Duration::minutes(6));
        assert_eq!(
            invalid(t.app.eid_activate(p.pin.as_str(), &code, PASSWORD, PASSCODE, "ip").await),
            pairs(&[("code", Rule::EidCodeExpired)]),
            "{e:?}"
        );
        assert_eq!(t.app.store.eid_account(a.id).await.expect("read").expect("a").state, AccountState::Approved);
        // A new code: the wrong phone sends nothing, the right one does; a second request within
        // a minute sends nothing either, the code just sent stays the one to type.
        t.app.eid_activation_start(p.pin.as_str(), "0987000111", "ip").await.expect("same answer");
        assert_eq!(t.outbox.messages().len(), 1, "{e:?}: nothing sent to a phone that does not match");
        t.app.eid_activation_start(p.pin.as_str(), PHONE, "ip").await.expect("sent");
        assert_eq!(t.outbox.messages().len(), 2, "{e:?}");
        t.app.eid_activation_start(p.pin.as_str(), PHONE, "ip").await.expect("the same answer");
        assert_eq!(t.outbox.messages().len(), 2, "{e:?}: one activation code a minute");
        let code = t.outbox.last_code(PHONE).expect("code");
        t.app.eid_activate(p.pin.as_str(), &code, PASSWORD, PASSCODE, "ip").await.expect("activate");
        let a = t.app.store.eid_account(a.id).await.expect("read").expect("a");
        assert_eq!(a.state, AccountState::Active, "{e:?}");
        assert!(a.password_hash.as_deref().is_some_and(|h| h.starts_with("$argon2id$") && !h.contains(PASSWORD)));
        // The same code again: the account is no longer waiting for activation.
        assert_eq!(
            invalid(t.app.eid_activate(p.pin.as_str(), &code, PASSWORD, PASSCODE, "ip").await),
            pairs(&[("code", Rule::EidCodeWrong)]),
            "{e:?}"
        );

        // Sign-in: wrong password and unknown number get the same answer.
        t.clock.advance(Duration::seconds(61));
        assert!(matches!(
            t.app.eid_login(p.pin.as_str(), "sai mật khẩu rồi", &ctx()).await,
            Err(AppError::Unauthenticated)
        ));
        assert!(matches!(t.app.eid_login("079190009999", PASSWORD, &ctx()).await, Err(AppError::Unauthenticated)));
        t.clock.advance(Duration::seconds(5));
        let step = t.app.eid_login(p.pin.as_str(), PASSWORD, &ctx()).await.expect("password");
        let LoginStep::SecondFactor(partial, methods) = step else { panic!("{e:?}: level 2 needs a second factor") };
        assert_eq!(methods, vec![Method::Sms], "{e:?}");
        let ph = t.app.eid_holder(&partial.token).await.expect("partial");
        assert_eq!(ph.session.stage, SessionStage::SecondFactor);
        // A partial session allows nothing but the second factor.
        assert!(matches!(t.app.eid_sessions(&ph).await, Err(AppError::Unauthenticated)), "{e:?}");
        t.app.eid_send_login_code(&ph, &ctx()).await.expect("code");
        let code = t.outbox.last_code(PHONE).expect("code");
        let full = t.app.eid_second_factor_sms(&ph, &code, &ctx()).await.expect("sms");
        assert_eq!(full.session.methods, "pwd+sms", "{e:?}");
        assert!(t.app.eid_holder(&partial.token).await.is_err(), "{e:?}: the partial token ended");
        let holder = t.app.eid_holder(&full.token).await.expect("full");
        // The same code on another sign-in is a replay.
        t.clock.advance(Duration::seconds(61));
        let LoginStep::SecondFactor(p2, _) = t.app.eid_login(p.pin.as_str(), PASSWORD, &ctx()).await.expect("pw")
        else {
            panic!("second factor")
        };
        let ph2 = t.app.eid_holder(&p2.token).await.expect("partial");
        assert_eq!(
            invalid(t.app.eid_second_factor_sms(&ph2, &code, &ctx()).await),
            pairs(&[("code", Rule::EidCodeUsed)]),
            "{e:?}"
        );

        // Sessions: two live ones; ending the others keeps the caller's.
        assert_eq!(t.app.eid_sessions(&holder).await.expect("list").len(), 2, "{e:?}");
        t.app.eid_revoke_sessions(&holder, None).await.expect("revoke others");
        let left = t.app.eid_sessions(&holder).await.expect("list");
        assert_eq!(left.iter().map(|s| s.id).collect::<Vec<_>>(), vec![holder.session.id], "{e:?}");

        let history = audit_actions(&t, p.id).await;
        for action in [
            AuditAction::EidAccount,
            AuditAction::EidCode,
            AuditAction::EidLogin,
            AuditAction::EidLoginFailed,
            AuditAction::EidLogout,
        ] {
            assert!(history.contains(&action), "{e:?}: {action:?} in {history:?}");
        }
        assert!(t.app.eid_history(&holder, 100).await.expect("history").len() >= 8, "{e:?}");
    }
}

/// Password, then a sign-in code by SMS, a few seconds after the previous step.
async fn login_code(t: &TestApp, p: &Person) -> Result<(Holder, CodeIssue), AppError> {
    t.clock.advance(Duration::seconds(3));
    let LoginStep::SecondFactor(partial, _) = t.app.eid_login(p.pin.as_str(), PASSWORD, &ctx()).await? else {
        panic!("level 2 always needs a second factor")
    };
    let holder = t.app.eid_holder(&partial.token).await?;
    let issue = t.app.eid_send_login_code(&holder, &ctx()).await?;
    Ok((holder, issue))
}

async fn codes_in_last_day(t: &TestApp) -> usize {
    let since = t.clock.now_utc() - Duration::days(1);
    t.app.store.eid_codes_sent_since(PHONE, since).await.expect("codes").len()
}

#[tokio::test]
async fn sms_budgets_per_purpose_never_block_a_legitimate_flow() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
        t.app.eid_grant_level2(&clerk, grant(&p)).await.expect("grant");
        let sent = || t.outbox.messages().len();
        assert_eq!(sent(), 1, "{e:?}: the activation code of the grant");

        // Asking again within the minute sends nothing: the code of the grant is still the one.
        t.app.eid_activation_start(p.pin.as_str(), PHONE, "ip").await.expect("same answer");
        assert_eq!(sent(), 1, "{e:?}");
        // Four more activation codes a minute apart; the sixth in the hour is over the budget of
        // the purpose.
        for _ in 0..4 {
            t.clock.advance(Duration::seconds(61));
            t.app.eid_activation_start(p.pin.as_str(), PHONE, "ip").await.expect("sent");
        }
        assert_eq!(sent(), 5, "{e:?}");
        t.clock.advance(Duration::seconds(61));
        assert_eq!(
            invalid(t.app.eid_activation_start(p.pin.as_str(), PHONE, "ip").await),
            pairs(&[("phone", Rule::EidSmsLimit)]),
            "{e:?}"
        );
        let code = t.outbox.last_code(PHONE).expect("code");
        t.app.eid_activate(p.pin.as_str(), &code, PASSWORD, PASSCODE, "ip").await.expect("activate");

        // Signing in right after activation: the sign-in code has its own budget. A used code
        // does not hold back the next sign-in; an unused one within the minute is still valid.
        let (h, issue) = login_code(&t, &p).await.expect("a sign-in code right after activation");
        assert_eq!((issue, sent()), (CodeIssue::Sent, 6), "{e:?}");
        assert_eq!(t.app.eid_send_login_code(&h, &ctx()).await.expect("again"), CodeIssue::StillValid, "{e:?}");
        assert_eq!(sent(), 6, "{e:?}: nothing resent within the minute");
        let code = t.outbox.last_code(PHONE).expect("code");
        t.app.eid_second_factor_sms(&h, &code, &ctx()).await.expect("signed in");
        for n in 7..=10 {
            let (h, issue) = login_code(&t, &p).await.expect("the next sign-in at once");
            assert_eq!((issue, sent()), (CodeIssue::Sent, n), "{e:?}");
            let code = t.outbox.last_code(PHONE).expect("code");
            t.app.eid_second_factor_sms(&h, &code, &ctx()).await.expect("signed in");
        }
        // Ten codes this hour: the phone's hourly cap holds even for a purpose not used yet.
        assert_eq!(
            invalid(t.app.eid_reset_start(p.pin.as_str(), PHONE, "ip").await),
            pairs(&[("phone", Rule::EidSmsLimit)]),
            "{e:?}"
        );
        assert_eq!(sent(), 10, "{e:?}");

        // A new hour. A reset code whose attempts are spent does not earn a new one within the
        // minute; after it, it does.
        t.clock.advance(Duration::minutes(61));
        t.app.eid_reset_start(p.pin.as_str(), PHONE, "ip").await.expect("reset code");
        let right = t.outbox.last_code(PHONE).expect("code");
        let wrong = if right == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            assert_eq!(
                invalid(t.app.eid_reset(p.pin.as_str(), wrong, "hoa sen nở giữa hồ tây", "ip").await),
                pairs(&[("code", Rule::EidCodeWrong)]),
                "{e:?}"
            );
        }
        assert_eq!(
            invalid(t.app.eid_reset_start(p.pin.as_str(), PHONE, "ip").await),
            pairs(&[("phone", Rule::EidSmsLimit)]),
            "{e:?}"
        );
        t.clock.advance(Duration::seconds(61));
        t.app.eid_reset_start(p.pin.as_str(), PHONE, "ip").await.expect("a new reset code");
        assert_eq!(sent(), 12, "{e:?}");
        // Up to the daily cap of twenty codes over all purposes.
        for _ in 0..5 {
            let (h, _) = login_code(&t, &p).await.expect("sign-in code");
            let code = t.outbox.last_code(PHONE).expect("code");
            t.app.eid_second_factor_sms(&h, &code, &ctx()).await.expect("signed in");
        }
        for _ in 0..3 {
            t.clock.advance(Duration::seconds(61));
            t.app.eid_reset_start(p.pin.as_str(), PHONE, "ip").await.expect("reset code");
        }
        assert_eq!((sent(), codes_in_last_day(&t).await), (20, 20), "{e:?}");
        t.clock.advance(Duration::minutes(61));
        assert_eq!(invalid(login_code(&t, &p).await), pairs(&[("phone", Rule::EidSmsLimit)]), "{e:?}");
        t.clock.advance(Duration::days(1));
        assert_eq!(login_code(&t, &p).await.expect("a new day").1, CodeIssue::Sent, "{e:?}");
    }
}

#[tokio::test]
async fn level2_for_an_account_in_use_is_a_notice_without_a_code() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let now = t.clock.now_utc();
        let level1 = EidAccount {
            id: Uuid::from_u128(0xe1d1),
            person_id: p.id,
            pin: p.pin,
            level: Level::One,
            state: AccountState::Active,
            phone: Phone::parse(PHONE).expect("phone"),
            password_hash: None,
            passcode_hash: None,
            totp_secret: None,
            totp_pending: None,
            totp_last_step: None,
            lock: None,
            channel: "chip".into(),
            note: String::new(),
            version: 0,
            created_at: now,
            updated_at: now,
            activated_at: Some(now),
            revoked_at: None,
        };
        t.app.store.eid_commit(EidChange { insert_account: Some(level1), ..Default::default() }).await.expect("seed");
        let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
        let a = t.app.eid_grant_level2(&clerk, Level2Grant { phone: None, ..grant(&p) }).await.expect("grant");
        assert_eq!((a.level, a.state), (Level::Two, AccountState::Active), "{e:?}");
        let sms = t.outbox.messages();
        assert_eq!(sms.len(), 1, "{e:?}");
        assert!(sms[0].text.contains("muc 2"), "{e:?}: {}", sms[0].text);
        assert_eq!(t.outbox.last_code(PHONE), None, "{e:?}: a notice carries no code");
        assert_eq!(codes_in_last_day(&t).await, 0, "{e:?}: and spends no code budget");
        // Granting level 2 again sends nothing more.
        t.app.eid_grant_level2(&clerk, Level2Grant { phone: None, ..grant(&p) }).await.expect("again");
        assert_eq!(t.outbox.messages().len(), 1, "{e:?}");
    }
}

#[tokio::test]
async fn delay_lockout_and_reset_by_sms_without_enumeration() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let (_, token) = active_holder(&t, &p).await;
        let unknown = "079190009999";
        for (i, pin) in [p.pin.as_str(), unknown].into_iter().enumerate() {
            t.clock.advance(Duration::minutes(1));
            assert!(
                matches!(t.app.eid_login(pin, "sai mật khẩu", &ctx()).await, Err(AppError::Unauthenticated)),
                "{e:?} {i}"
            );
            // The second failure earns a wait: an attempt before it ends is refused unchecked.
            assert!(
                matches!(t.app.eid_login(pin, "sai mật khẩu", &ctx()).await, Err(AppError::Unauthenticated)),
                "{e:?}"
            );
            assert!(
                matches!(t.app.eid_login(pin, PASSWORD, &ctx()).await, Err(AppError::TooManyRequests(1))),
                "{e:?} {i}"
            );
            for _ in 0..2 {
                t.clock.advance(Duration::seconds(5));
                assert!(matches!(t.app.eid_login(pin, "sai mật khẩu", &ctx()).await, Err(AppError::Unauthenticated)));
            }
            t.clock.advance(Duration::seconds(5));
            // The fifth failure locks, for a known and an unknown number alike.
            assert!(matches!(t.app.eid_login(pin, "sai mật khẩu", &ctx()).await, Err(AppError::Locked)), "{e:?} {i}");
            t.clock.advance(Duration::minutes(30));
            assert!(matches!(t.app.eid_login(pin, PASSWORD, &ctx()).await, Err(AppError::Locked)), "{e:?} {i}");
        }
        let a = t.app.store.eid_account_by_person(p.id).await.expect("read").expect("a");
        assert_eq!(a.state, AccountState::Locked, "{e:?}");
        assert_eq!(a.lock.as_ref().map(|l| l.by), Some(LockedBy::Failures), "{e:?}");
        assert!(
            matches!(t.app.eid_holder(&token).await, Err(AppError::Unauthenticated)),
            "{e:?}: a lock ends sessions"
        );
        assert!(t.app.store.eid_sessions_of(a.id).await.expect("sessions").is_empty(), "{e:?}");

        // Reset by SMS: code to the registered phone, new password; the lock lifts.
        t.app.eid_reset_start(p.pin.as_str(), PHONE, "ip").await.expect("reset code");
        let code = t.outbox.last_code(PHONE).expect("code");
        assert_eq!(
            invalid(t.app.eid_reset(p.pin.as_str(), &code, "password1", "ip").await),
            pairs(&[("password", Rule::EidPasswordCommon)]),
            "{e:?}"
        );
        t.app.eid_reset(p.pin.as_str(), &code, "hoa sen nở giữa hồ tây", "ip").await.expect("reset");
        let a = t.app.store.eid_account_by_person(p.id).await.expect("read").expect("a");
        assert_eq!((a.state, a.lock.is_none()), (AccountState::Active, true), "{e:?}");
        let step = t.app.eid_login(p.pin.as_str(), "hoa sen nở giữa hồ tây", &ctx()).await;
        assert!(matches!(step, Ok(LoginStep::SecondFactor(..))), "{e:?}");
        let h = audit_actions(&t, p.id).await;
        assert!(h.contains(&AuditAction::EidLock) && h.contains(&AuditAction::EidUnlock), "{e:?}: {h:?}");
    }
}

#[tokio::test]
async fn authenticator_app_and_passkeys() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let (holder, _) = active_holder(&t, &p).await;

        // TOTP enrolment: a pending secret, confirmed by a code from the app.
        let enrol = t.app.eid_totp_begin(&holder).await.expect("begin");
        assert!(enrol.otpauth_uri.starts_with("otpauth://totp/dinhdanh:079090001234?secret="), "{}", enrol.otpauth_uri);
        let app_totp = Totp::standard(&base32_decode(&enrol.secret_base32).expect("b32"));
        let now = || t.app.clock.now().unix_timestamp() as u64;
        assert_eq!(invalid(t.app.eid_totp_confirm(&holder, "000000").await), pairs(&[("code", Rule::EidTotpWrong)]));
        t.app.eid_totp_confirm(&holder, &app_totp.code_at(now())).await.expect("confirm");
        // At rest the secret is sealed (AES-256-GCM under the data keys, bound to the account):
        // the stored column is neither the base32 secret nor its bytes.
        let stored = t.app.store.eid_account(holder.account.id).await.expect("read").expect("account");
        let column = stored.totp_secret.clone().expect("enrolled");
        let raw = base32_decode(&enrol.secret_base32).expect("b32");
        assert!(column.starts_with("aes1:") && !column.contains(&enrol.secret_base32), "{e:?}: {column}");
        assert!(!column.contains(&dinhdanh_crypto::token::hex(&raw)), "{e:?}: {column}");

        // Sign in with the app's code; the same code is not accepted twice.
        t.clock.advance(Duration::seconds(90));
        let LoginStep::SecondFactor(partial, methods) =
            t.app.eid_login(p.pin.as_str(), PASSWORD, &ctx()).await.expect("pw")
        else {
            panic!("second factor")
        };
        assert_eq!(methods, vec![Method::Sms, Method::Totp], "{e:?}");
        let ph = t.app.eid_holder(&partial.token).await.expect("partial");
        let code = app_totp.code_at(now());
        let full = t.app.eid_second_factor_totp(&ph, &code, &ctx()).await.expect("totp");
        assert_eq!(full.session.methods, "pwd+otp");
        let LoginStep::SecondFactor(partial, _) = t.app.eid_login(p.pin.as_str(), PASSWORD, &ctx()).await.expect("pw")
        else {
            panic!("second factor")
        };
        let ph = t.app.eid_holder(&partial.token).await.expect("partial");
        assert_eq!(
            invalid(t.app.eid_second_factor_totp(&ph, &code, &ctx()).await),
            pairs(&[("code", Rule::EidCodeUsed)])
        );

        // Passkeys, ES256 and EdDSA: registration checks, passwordless sign-in, second factor.
        let holder = t.app.eid_holder(&full.token).await.expect("full");
        let mut keys = Vec::new();
        for kind in [KeyKind::Es256, KeyKind::EdDsa] {
            let mut auth = Authenticator::new(kind, "localhost", "http://localhost:8080");
            let opts = t.app.eid_passkey_register_options(&holder).await.expect("options");
            assert_eq!(opts.user_id, holder.account.id.as_bytes().to_vec());
            let (cdj, att) = auth.create(&opts.challenge, true);
            let cred_id = auth.credential_id.clone();
            let resp = |cdj: Vec<u8>, att: Vec<u8>| PasskeyResponse {
                challenge_id: opts.challenge_id,
                credential_id: cred_id.clone(),
                client_data_json: cdj,
                authenticator_data: att,
                signature: vec![],
                user_handle: None,
            };
            // Without user verification the authenticator's answer is refused, and the challenge is spent.
            let (cdj_nouv, att_nouv) =
                Authenticator::new(kind, "localhost", "http://localhost:8080").create(&opts.challenge, false);
            assert_eq!(
                invalid(t.app.eid_passkey_register(&holder, resp(cdj_nouv, att_nouv), "laptop").await),
                pairs(&[("credential", Rule::EidPasskeyInvalid)])
            );
            assert_eq!(
                invalid(t.app.eid_passkey_register(&holder, resp(cdj.clone(), att.clone()), "điện thoại").await),
                pairs(&[("challenge_id", Rule::EidChallengeExpired)]),
                "{e:?}"
            );
            let opts2 = t.app.eid_passkey_register_options(&holder).await.expect("options");
            let (cdj, att) = auth.create(&opts2.challenge, true);
            let r = PasskeyResponse { challenge_id: opts2.challenge_id, ..resp(cdj, att) };
            let pk = t.app.eid_passkey_register(&holder, r, "điện thoại").await.expect("register");
            assert_eq!(pk.name, "điện thoại");
            auth.user_handle = holder.account.id.as_bytes().to_vec();
            keys.push(auth);
        }
        assert_eq!(t.app.eid_passkeys(&holder).await.expect("list").len(), 2, "{e:?}");
        for auth in &mut keys {
            let opts = t.app.eid_passkey_login_options("ip").await.expect("options");
            assert!(opts.credentials.is_empty(), "discoverable: no allow list");
            let (cdj, ad, sig) = auth.get(&opts.challenge, true);
            let r = PasskeyResponse {
                challenge_id: opts.challenge_id,
                credential_id: auth.credential_id.clone(),
                client_data_json: cdj.clone(),
                authenticator_data: ad.clone(),
                signature: sig.clone(),
                user_handle: Some(auth.user_handle.clone()),
            };
            let s = t.app.eid_passkey_login(r, &ctx()).await.expect("passkey sign-in");
            assert_eq!((s.session.stage, s.session.methods.as_str()), (SessionStage::Full, "hwk"), "{e:?}");
            // The same assertion again: its challenge is spent.
            let again = PasskeyResponse {
                challenge_id: opts.challenge_id,
                credential_id: auth.credential_id.clone(),
                client_data_json: cdj,
                authenticator_data: ad,
                signature: sig,
                user_handle: None,
            };
            assert!(t.app.eid_passkey_login(again, &ctx()).await.is_err(), "{e:?}");
        }
        // A cloned authenticator (its counter behind the stored one) is refused.
        let opts = t.app.eid_passkey_login_options("ip").await.expect("options");
        keys[0].counter = 1;
        let (cdj, ad, sig) = keys[0].get(&opts.challenge, true);
        let r = PasskeyResponse {
            challenge_id: opts.challenge_id,
            credential_id: keys[0].credential_id.clone(),
            client_data_json: cdj,
            authenticator_data: ad,
            signature: sig,
            user_handle: None,
        };
        assert!(matches!(t.app.eid_passkey_login(r, &ctx()).await, Err(AppError::Unauthenticated)), "{e:?}");

        // A passkey as the second factor after the password.
        let LoginStep::SecondFactor(partial, methods) =
            t.app.eid_login(p.pin.as_str(), PASSWORD, &ctx()).await.expect("pw")
        else {
            panic!("second factor")
        };
        assert!(methods.contains(&Method::Passkey));
        let ph = t.app.eid_holder(&partial.token).await.expect("partial");
        let opts = t.app.eid_passkey_second_factor_options(&ph).await.expect("options");
        assert_eq!(opts.credentials.len(), 2);
        let (cdj, ad, sig) = keys[1].get(&opts.challenge, true);
        let r = PasskeyResponse {
            challenge_id: opts.challenge_id,
            credential_id: keys[1].credential_id.clone(),
            client_data_json: cdj,
            authenticator_data: ad,
            signature: sig,
            user_handle: None,
        };
        let s = t.app.eid_second_factor_passkey(&ph, r, &ctx()).await.expect("passkey second factor");
        assert_eq!(s.session.methods, "pwd+hwk");

        // Removing a factor needs the passcode.
        let holder = t.app.eid_holder(&s.token).await.expect("full");
        let id = keys[0].credential_id.clone();
        assert_eq!(
            invalid(t.app.eid_passkey_remove(&holder, &id, "999999").await),
            pairs(&[("passcode", Rule::EidPasscodeWrong)])
        );
        t.app.eid_passkey_remove(&holder, &id, PASSCODE).await.expect("remove");
        t.app.eid_totp_remove(&holder, PASSCODE).await.expect("remove totp");
        assert_eq!(t.app.eid_passkeys(&holder).await.expect("list").len(), 1);
        let factor_lines = t
            .app
            .store
            .eid_auth_history(p.id, 500)
            .await
            .expect("h")
            .into_iter()
            .filter(|l| l.action == AuditAction::EidFactor)
            .count();
        assert!(factor_lines >= 6, "{e:?}: {factor_lines}");
    }
}

#[tokio::test]
async fn locks_password_change_and_death() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let p = sample::adult_man();
        seed(&t, &p).await;
        let (holder, _) = active_holder(&t, &p).await;
        let (_, other) = sign_in(&t, &p).await;

        // Changing the password ends the other sessions only.
        assert_eq!(
            invalid(t.app.eid_change_password(&holder, "không đúng", "một mật khẩu mới dài").await),
            pairs(&[("current_password", Rule::EidPasswordWrong)])
        );
        t.app.eid_change_password(&holder, PASSWORD, "đèn lồng phố cổ hội an").await.expect("change");
        assert!(t.app.eid_holder(&other).await.is_err(), "{e:?}: the other session ended");
        assert!(
            t.app.store.eid_session(&holder.session.token_digest).await.expect("read").is_some(),
            "{e:?}: this one lives"
        );

        // An officer locks with a reason: sessions end, the password no longer opens it, only an
        // officer lifts it (an SMS reset is not offered).
        let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
        assert_eq!(
            invalid(t.app.eid_officer_lock(&clerk, &p.pin, " ").await),
            pairs(&[("reason", Rule::ReasonRequired)])
        );
        let a = t.app.eid_officer_lock(&clerk, &p.pin, "nghi bị chiếm đoạt").await.expect("lock");
        assert_eq!((a.state, a.lock.as_ref().map(|l| l.by)), (AccountState::Locked, Some(LockedBy::Officer)));
        assert!(t.app.store.eid_sessions_of(a.id).await.expect("s").is_empty(), "{e:?}");
        t.clock.advance(Duration::seconds(61));
        assert!(matches!(
            t.app.eid_login(p.pin.as_str(), "đèn lồng phố cổ hội an", &ctx()).await,
            Err(AppError::Locked)
        ));
        t.app.eid_reset_start(p.pin.as_str(), PHONE, "ip").await.expect("same answer");
        let sent = t.outbox.messages().len();
        assert!(
            t.outbox.messages().iter().all(|m| !m.text.contains("dat lai")),
            "{e:?}: no reset code for an officer's lock ({sent})"
        );
        let a = t.app.eid_officer_unlock(&clerk, &p.pin, "đã xác minh").await.expect("unlock");
        assert_eq!(a.state, AccountState::Active);
        let (holder, token) = sign_in_with(&t, &p, "đèn lồng phố cổ hội an").await;

        // The holder locks their own account.
        t.app.eid_lock_self(&holder, PASSCODE, "mất điện thoại").await.expect("self lock");
        let a = t.app.store.eid_account(a.id).await.expect("read").expect("a");
        assert_eq!(a.lock.as_ref().map(|l| l.by), Some(LockedBy::Holder));
        assert!(t.app.eid_holder(&token).await.is_err());
        t.app.eid_officer_unlock(&clerk, &p.pin, "chủ tài khoản đề nghị").await.expect("unlock");
        let (_, token) = sign_in_with(&t, &p, "đèn lồng phố cổ hội an").await;

        // Death: the account is revoked and every session ends in the event's transaction.
        let death = PartialDate::Full(date!(2026 - 08 - 30));
        let meta = EventMeta { legal_basis: "Luật Hộ tịch".into(), reason: "khai tử".into() };
        t.app.record_death(&clerk, p.pin, death, meta).await.expect("death");
        let a = t.app.store.eid_account(a.id).await.expect("read").expect("a");
        assert_eq!(a.state, AccountState::Revoked, "{e:?}");
        assert!(a.revoked_at.is_some());
        assert!(t.app.store.eid_sessions_of(a.id).await.expect("s").is_empty(), "{e:?}");
        assert!(matches!(t.app.eid_holder(&token).await, Err(AppError::Unauthenticated)), "{e:?}");
        let revoked = t.app.store.eid_auth_history(p.id, 50).await.expect("h");
        assert!(
            revoked
                .iter()
                .any(|l| l.action == AuditAction::EidAccount && l.detail.contains("death") && l.event_id.is_some())
        );
        t.clock.advance(Duration::seconds(61));
        assert!(matches!(
            t.app.eid_login(p.pin.as_str(), "đèn lồng phố cổ hội an", &ctx()).await,
            Err(AppError::Unauthenticated)
        ));
        // A dead person cannot be granted an account.
        assert!(t.app.eid_grant_level2(&clerk, grant(&p)).await.is_err(), "{e:?}");
    }
}

#[tokio::test]
async fn dependants_and_organisations() {
    for t in TestApp::all().await {
        let e = t.store.engine;
        let mut parent = sample::adult_man();
        let mut child = sample::adult_woman();
        child.id = PersonId(Uuid::from_u128(77));
        child.pin = sample::pin("079318000077");
        child.birth_name = sample::name("Nguyễn Thị Bé");
        child.date_of_birth = PartialDate::Full(date!(2018 - 05 - 01));
        child.relatives.push(Relative::linked(RelationKind::Father, &parent));
        parent.relatives.push(Relative::linked(RelationKind::Child, &child));
        seed(&t, &parent).await;
        seed(&t, &child).await;
        let (holder, token) = active_holder(&t, &parent).await;

        let deps = t.app.eid_dependants(&holder).await.expect("dependants");
        assert_eq!(deps.iter().map(|d| (d.pin, d.holder_is)).collect::<Vec<_>>(), vec![(child.pin, "father")], "{e:?}");
        let rec = t.app.eid_dependant(&holder, &child.pin).await.expect("read on behalf");
        assert_eq!(rec.person.id, child.id);
        let lines = t.app.store.audit_for_person(child.id, 20).await.expect("audit");
        assert!(
            lines.iter().any(|l| l.actor.kind == "citizen" && l.detail.contains("on behalf of")),
            "{e:?}: {lines:?}"
        );
        assert_eq!(invalid(t.app.eid_dependant(&holder, &parent.pin).await), pairs(&[("pin", Rule::EidNotDependant)]));
        // A child may not hold an account of their own.
        let clerk = officer(Role::Officer, &format!("commune:{}", sample::BEN_THANH));
        assert_eq!(invalid(t.app.eid_grant_level2(&clerk, grant(&child)).await), pairs(&[("pin", Rule::EidUnder14)]));
        let profile = t.app.eid_profile(&holder).await.expect("profile");
        assert_eq!(profile.person.pin, parent.pin);

        // Organisations: registered by the level-2 holder with the passcode.
        let draft = OrgDraft {
            name_vi: "Công ty TNHH Cà phê Bến Thành".into(),
            name_abbr: "BT Coffee".into(),
            name_foreign: "Ben Thanh Coffee Company Limited".into(),
            established: Some(date!(2015 - 01 - 20)),
            head_office_unit: sample::BEN_THANH.into(),
            head_office_detail: "12 Lê Lợi".into(),
            tax_code: "0312345678".into(),
        };
        assert_eq!(
            invalid(
                t.app
                    .eid_org_register(
                        &holder,
                        OrgDraft { tax_code: "123".into(), established: None, ..draft.clone() },
                        PASSCODE
                    )
                    .await
            ),
            pairs(&[("established", Rule::Required), ("tax_code", Rule::TaxCode)])
        );
        let org = t.app.eid_org_register(&holder, draft.clone(), PASSCODE).await.expect("register");
        assert!(org.code.as_str().starts_with("TC79"), "{}", org.code);
        assert_eq!(
            invalid(t.app.eid_org_register(&holder, draft.clone(), PASSCODE).await),
            pairs(&[("tax_code", Rule::EidOrgTaxCodeTaken)])
        );
        // A member needs an active account of their own.
        let woman = sample::adult_woman();
        seed(&t, &woman).await;
        assert_eq!(
            invalid(t.app.eid_org_add_member(&holder, org.code.as_str(), woman.pin.as_str(), "staff", PASSCODE).await),
            pairs(&[("pin", Rule::EidNoAccount)])
        );
        let member_holder = {
            let g = Level2Grant { phone: Some(Phone::parse("0987111222").expect("p")), ..grant(&woman) };
            t.app.eid_grant_level2(&clerk, g).await.expect("grant");
            let code = t.outbox.last_code("0987111222").expect("code");
            t.app
                .eid_activate(woman.pin.as_str(), &code, "sóng vỗ bờ cát trắng", "580314", "ip")
                .await
                .expect("activate");
            t.clock.advance(Duration::seconds(61));
            let LoginStep::SecondFactor(partial, _) =
                t.app.eid_login(woman.pin.as_str(), "sóng vỗ bờ cát trắng", &ctx()).await.expect("pw")
            else {
                panic!("second factor")
            };
            let ph = t.app.eid_holder(&partial.token).await.expect("partial");
            t.app.eid_send_login_code(&ph, &ctx()).await.expect("code");
            let code = t.outbox.last_code("0987111222").expect("code");
            let s = t.app.eid_second_factor_sms(&ph, &code, &ctx()).await.expect("sms");
            t.app.eid_holder(&s.token).await.expect("full")
        };
        let holder = t.app.eid_holder(&token).await.expect("still signed in");
        t.app.eid_org_add_member(&holder, org.code.as_str(), woman.pin.as_str(), "staff", PASSCODE).await.expect("add");
        assert_eq!(
            invalid(
                t.app.eid_org_add_member(&holder, org.code.as_str(), woman.pin.as_str(), "manager", PASSCODE).await
            ),
            pairs(&[("pin", Rule::EidMemberExists)])
        );
        let orgs = t.app.eid_orgs(&member_holder).await.expect("orgs");
        assert_eq!(orgs.len(), 1);
        assert_eq!(orgs[0].members.len(), 2);
        // Only the legal representative manages members.
        assert_eq!(
            invalid(
                t.app.eid_org_remove_member(&member_holder, org.code.as_str(), parent.pin.as_str(), "580314").await
            ),
            pairs(&[("", Rule::EidLegalRepOnly)])
        );
        t.app.eid_org_remove_member(&holder, org.code.as_str(), woman.pin.as_str(), PASSCODE).await.expect("remove");
        assert!(t.app.eid_orgs(&member_holder).await.expect("orgs").is_empty(), "{e:?}");
    }
}
