//! e-ID accounts on the wire: requests and answers of `/api/v1/eid/…`.
//!
//! Binary values of WebAuthn (challenges, credential ids, client data, authenticator data,
//! signatures) travel as base64url without padding, as browsers' `toJSON()` writes them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// PIN and the phone registered with the account: starts activation or a reset.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// 12 digits.
    pub pin: Option<String>,
    /// `0xxxxxxxxx` or `+84xxxxxxxxx`.
    pub phone: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivationRequest {
    pub pin: Option<String>,
    /// The 6-digit code from the SMS.
    pub code: Option<String>,
    /// 8–128 characters; not common, not built from the PIN, phone or date of birth.
    pub password: Option<String>,
    /// 6 digits for sensitive actions; no runs, sequences or personal dates.
    pub passcode: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub pin: Option<String>,
    pub code: Option<String>,
    pub password: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EidLoginRequest {
    pub pin: Option<String>,
    pub password: Option<String>,
}

/// A session of an e-ID holder; send the token as `Authorization: Bearer <token>`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct EidSessionResponse {
    /// Starts with `dde_`; shown once.
    pub token: String,
    /// `full`, or `second_factor` when a second factor must follow (nothing else is allowed).
    pub stage: String,
    /// Second factors that can complete the sign-in: `sms`, `totp`, `passkey`.
    pub methods: Vec<String>,
    /// RFC 3339.
    pub expires_at: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    /// `sms` or `totp`.
    pub method: Option<String>,
    pub code: Option<String>,
}

/// Options for `navigator.credentials.create()` / `.get()`; `challenge_id` goes back with the answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct PasskeyOptions {
    pub challenge_id: Uuid,
    /// base64url.
    pub challenge: String,
    pub rp_id: String,
    pub rp_name: String,
    /// base64url user handle (registration only).
    pub user_id: String,
    pub user_name: String,
    pub user_display_name: String,
    /// base64url credential ids to exclude (registration) or allow (second factor).
    pub credentials: Vec<String>,
    /// COSE algorithms offered: -7 (ES256), -8 (EdDSA).
    pub algorithms: Vec<i64>,
    pub timeout_ms: u64,
    /// Always `required`.
    pub user_verification: String,
    /// Always `none`.
    pub attestation: String,
}

/// The browser's answer to a passkey ceremony (base64url fields).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyResponse {
    pub challenge_id: Option<String>,
    /// `rawId`.
    pub credential_id: Option<String>,
    pub client_data_json: Option<String>,
    /// Registration: `attestationObject`.
    pub attestation_object: Option<String>,
    /// Authentication: `authenticatorData`, `signature`, `userHandle`.
    pub authenticator_data: Option<String>,
    pub signature: Option<String>,
    pub user_handle: Option<String>,
    /// A name the holder gives the passkey (registration).
    pub name: Option<String>,
}

/// The holder's account as they see it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct EidAccountInfo {
    pub pin: String,
    /// 1 or 2.
    pub level: u8,
    /// `pending`, `approved`, `active`, `locked` or `revoked`.
    pub state: String,
    /// The registered phone, all but the last 3 digits masked.
    pub phone: String,
    pub totp_enrolled: bool,
    pub passkeys: usize,
    /// `holder`, `officer` or `failures` when locked.
    pub locked_by: Option<String>,
    pub lock_reason: Option<String>,
    pub created_at: String,
    pub activated_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct EidSessionInfo {
    pub id: Uuid,
    pub current: bool,
    /// How the holder signed in: `pwd+sms`, `pwd+otp`, `pwd+hwk`, `hwk`, `pwd`.
    pub methods: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub ip: String,
    pub device: String,
}

/// One authentication event of the holder's login history.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    /// `eid_login`, `eid_login_failed`, `eid_logout`, `eid_lock`, `eid_unlock`, `eid_factor`,
    /// `eid_account`, `eid_code`.
    pub action: String,
    /// `citizen` when the holder acted, `officer` for an officer's decision.
    pub actor: String,
    pub detail: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasscodeChange {
    pub current_passcode: Option<String>,
    pub new_passcode: Option<String>,
}

/// The passcode, for a sensitive action (and a reason where one is asked).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasscodeConfirm {
    pub passcode: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Show as a QR code to the authenticator app.
    pub otpauth_uri: String,
    /// The same secret for typing in by hand (base32).
    pub secret: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeOnly {
    pub code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct PasskeyInfo {
    /// base64url credential id.
    pub id: String,
    pub name: String,
    /// `ES256` or `EdDSA`.
    pub algorithm: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct DependantInfo {
    pub pin: String,
    pub name: String,
    pub date_of_birth: String,
    /// `father`, `mother` or `legal_representative`.
    pub holder_is: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgRequest {
    pub name_vi: Option<String>,
    pub name_abbr: Option<String>,
    pub name_foreign: Option<String>,
    /// YYYY-MM-DD.
    pub established: Option<String>,
    /// A commune of the 2025 catalogue (`26743` or `2025:26743`).
    pub head_office_unit: Option<String>,
    pub head_office_detail: Option<String>,
    /// 10 digits, or 10 digits, a dash and 3 digits.
    pub tax_code: Option<String>,
    pub passcode: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct OrgMemberInfo {
    pub pin: String,
    /// `legal_representative`, `manager` or `staff`.
    pub role: String,
    pub added_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct OrgInfo {
    /// `TC`, province of the head office (2 digits), serial (7 digits), Luhn check digit.
    pub code: String,
    pub name_vi: String,
    pub name_abbr: String,
    pub name_foreign: String,
    pub established: String,
    pub head_office: String,
    pub tax_code: String,
    /// The caller's role in it.
    pub role: String,
    pub members: Vec<OrgMemberInfo>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    pub pin: Option<String>,
    /// `manager` or `staff`.
    pub role: Option<String>,
    pub passcode: Option<String>,
}

/// A level-2 grant at the counter (officers).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Level2Request {
    pub pin: Option<String>,
    /// Required when the person has no account yet.
    pub phone: Option<String>,
    /// The officer checked the chip card.
    pub card_checked: Option<bool>,
    /// The officer compared the person with the record.
    pub person_checked: Option<bool>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    /// `approve` or `reject`.
    pub decision: Option<String>,
    pub note: Option<String>,
}

/// An e-ID account as an officer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct OfficerAccountView {
    pub pin: String,
    pub level: u8,
    pub state: String,
    pub channel: String,
    pub phone: String,
    pub locked_by: Option<String>,
    pub lock_reason: Option<String>,
    pub created_at: String,
    pub activated_at: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ReviewItem {
    pub pin: String,
    pub name: String,
    pub date_of_birth: String,
    pub channel: String,
    pub submitted_at: String,
    pub note: String,
    /// The images kept for the comparison: `selfie` (sent by the applicant) and
    /// `chip_portrait` (the chip's DG2); each at `/api/v1/eid/reviews/{pin}/evidence/{kind}`.
    pub evidence: Vec<String>,
}
