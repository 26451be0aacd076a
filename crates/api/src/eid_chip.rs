//! Level-1 registration by chip on the wire: the challenge, and the chip data with the card's
//! answer. Chip files are standard base64 as in `/api/v1/cards/verify`; the challenge and the
//! Active Authentication signature are base64url without padding.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A challenge for the card's Active Authentication: send its 8 bytes to the chip (INTERNAL
/// AUTHENTICATE) and the answer back with the registration within a few minutes.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ChipChallengeResponse {
    pub challenge_id: Uuid,
    /// 8 bytes, base64url.
    pub challenge: String,
    /// RFC 3339.
    pub expires_at: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChipRegistrationRequest {
    /// 12 digits: the holder's PIN (the user name of the account).
    pub pin: Option<String>,
    /// `0xxxxxxxxx` or `+84xxxxxxxxx`: where the activation code will go.
    pub phone: Option<String>,
    pub challenge_id: Option<Uuid>,
    /// The chip's answer to the challenge, base64url.
    pub aa_signature: Option<String>,
    /// EF.SOD, base64.
    pub sod: Option<String>,
    /// Data groups read, by number (`"1"`, `"2"`, `"13"`, `"14"`, `"15"`), each base64. DG1, DG13
    /// and DG15 are required.
    pub data_groups: Option<BTreeMap<String, String>>,
    /// A live photo (JPEG), base64, for the face comparison.
    pub selfie: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ChipRegistrationResponse {
    /// `pending`: every check passed and an officer compares the face (no face matcher is
    /// configured); `approved`: the face matched too, and the activation code went to the phone.
    pub state: String,
    pub level: u8,
}
