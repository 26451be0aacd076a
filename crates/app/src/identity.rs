//! The identity store (Identity Law 2023 Art. 15): face images and fingerprints, kept apart from
//! the register in their own table, encrypted at rest (AES-256-GCM under numbered data keys from
//! the crypto crate, so keys can rotate), readable only by the roles that need them, and with
//! an audit line for every capture and every read, refused reads included.

use crate::App;
use crate::audit::{AuditAction, AuditEntry};
use crate::auth::{Permission, Principal};
use crate::error::{AppError, AppResult};
use crate::ports::StoreResult;
use async_trait::async_trait;
use dinhdanh_crypto::aead::KeyRing;
pub use dinhdanh_crypto::aead::Sealed;
use dinhdanh_domain::error::Rule;
use dinhdanh_domain::person::PersonId;
use dinhdanh_domain::pin::PersonalNumber;
use time::OffsetDateTime;
use uuid::Uuid;

/// Limits on a face image (JPEG, portrait, ICAO 9303 Part 9 asks for at least 240 × 320 pixels
/// for the chip image).
pub const FACE_MAX_BYTES: usize = 512 * 1024;
pub const FACE_MIN_WIDTH: u16 = 240;
pub const FACE_MIN_HEIGHT: u16 = 320;
pub const FACE_MAX_SIDE: u16 = 4000;
/// Limit on a fingerprint image or template.
pub const FINGER_MAX_BYTES: usize = 1024 * 1024;
pub const LEGAL_BASIS: &str = "Luật Căn cước số 26/2023/QH15, Điều 15";

/// What was captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BiometricKind {
    Face,
    /// A finger by its ISO/IEC 19794-2 position: 1 right thumb … 5 right little, 6 left thumb …
    /// 10 left little (2 and 7 are the index fingers the 2021 card printed).
    Finger(u8),
}

impl BiometricKind {
    pub fn code(self) -> String {
        match self {
            BiometricKind::Face => "face".into(),
            BiometricKind::Finger(n) => format!("finger.{n}"),
        }
    }

    pub fn parse(s: &str) -> Result<Self, Rule> {
        match s {
            "face" => Ok(BiometricKind::Face),
            _ => s
                .strip_prefix("finger.")
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=10).contains(n))
                .map(BiometricKind::Finger)
                .ok_or(Rule::BiometricKind),
        }
    }
}

/// How the bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BiometricFormat {
    Jpeg,
    Png,
    /// An ISO/IEC 19794-2 finger minutiae record.
    IsoMinutiae,
}

impl BiometricFormat {
    pub fn code(self) -> &'static str {
        match self {
            BiometricFormat::Jpeg => "image/jpeg",
            BiometricFormat::Png => "image/png",
            BiometricFormat::IsoMinutiae => "iso19794-2",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [BiometricFormat::Jpeg, BiometricFormat::Png, BiometricFormat::IsoMinutiae].into_iter().find(|f| f.code() == s)
    }
}

/// A capture as stored: what it is, and its bytes sealed.
#[derive(Clone, Debug)]
pub struct StoredBiometric {
    pub id: Uuid,
    pub person_id: PersonId,
    pub kind: BiometricKind,
    pub format: BiometricFormat,
    pub width: u32,
    pub height: u32,
    pub byte_len: u32,
    pub captured_at: OffsetDateTime,
    pub captured_by: String,
    /// The newest capture of its kind; older ones are kept (a card refers to the face it carries).
    pub active: bool,
    pub sealed: Sealed,
}

/// What an officer sees about a capture without opening it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BiometricInfo {
    pub id: Uuid,
    pub kind: BiometricKind,
    pub format: BiometricFormat,
    pub width: u32,
    pub height: u32,
    pub byte_len: u32,
    pub captured_at: OffsetDateTime,
    pub captured_by: String,
    pub active: bool,
}

impl From<&StoredBiometric> for BiometricInfo {
    fn from(b: &StoredBiometric) -> Self {
        BiometricInfo {
            id: b.id,
            kind: b.kind,
            format: b.format,
            width: b.width,
            height: b.height,
            byte_len: b.byte_len,
            captured_at: b.captured_at,
            captured_by: b.captured_by.clone(),
            active: b.active,
        }
    }
}

/// Storage of the identity store.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Stores a capture and marks older captures of the same kind inactive, with the audit
    /// line, in one transaction.
    async fn insert_biometric(&self, b: &StoredBiometric, audit: AuditEntry) -> StoreResult<()>;
    /// Every capture of a person, newest first.
    async fn biometrics_of(&self, person: PersonId) -> StoreResult<Vec<StoredBiometric>>;
    async fn biometric(&self, id: Uuid) -> StoreResult<Option<StoredBiometric>>;
    /// Captures sealed with a key other than `current_key`, for re-sealing after a rotation.
    async fn biometrics_not_sealed_with(&self, current_key: u32, limit: u32) -> StoreResult<Vec<StoredBiometric>>;
    /// Replaces the sealed bytes if the row is still sealed with `from_key`.
    async fn reseal_biometric(&self, id: Uuid, from_key: u32, sealed: &Sealed) -> StoreResult<bool>;
}

/// Binds a ciphertext to its row, so that it cannot be moved to another person or kind.
fn aad(id: Uuid, person: PersonId, kind: BiometricKind) -> Vec<u8> {
    format!("dinhdanh.biometric.v1|{id}|{}|{}", person.0, kind.code()).into_bytes()
}

/// Checks a capture's bytes and reads its size.
pub fn check_capture(kind: BiometricKind, format: BiometricFormat, bytes: &[u8]) -> Result<(u32, u32), Rule> {
    match (kind, format) {
        (BiometricKind::Face, BiometricFormat::Jpeg) => {
            if bytes.len() > FACE_MAX_BYTES {
                return Err(Rule::FaceTooLarge);
            }
            let (w, h) = dinhdanh_icao::lds::jpeg_dimensions(bytes).ok_or(Rule::FaceNotJpeg)?;
            if w < FACE_MIN_WIDTH || h < FACE_MIN_HEIGHT || w > FACE_MAX_SIDE || h > FACE_MAX_SIDE || w > h {
                return Err(Rule::FaceDimensions);
            }
            Ok((w as u32, h as u32))
        }
        (BiometricKind::Face, _) => Err(Rule::FaceNotJpeg),
        (BiometricKind::Finger(_), _) if bytes.len() > FINGER_MAX_BYTES => Err(Rule::FingerprintData),
        (BiometricKind::Finger(_), BiometricFormat::Jpeg) => {
            dinhdanh_icao::lds::jpeg_dimensions(bytes).map(|(w, h)| (w as u32, h as u32)).ok_or(Rule::FingerprintData)
        }
        (BiometricKind::Finger(_), BiometricFormat::Png) => png_dimensions(bytes).ok_or(Rule::FingerprintData),
        (BiometricKind::Finger(_), BiometricFormat::IsoMinutiae) => {
            iso_minutiae_size(bytes).ok_or(Rule::FingerprintData)
        }
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_dimensions(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 24 || &b[..8] != b"\x89PNG\r\n\x1a\n" || &b[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    (w > 0 && h > 0).then_some((w, h))
}

/// An ISO/IEC 19794-2:2005 record: "FMR\0", version " 20\0", total length (4 bytes) matching
/// the data, then the image size in pixels.
fn iso_minutiae_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 24 || &b[..4] != b"FMR\0" || &b[4..8] != b" 20\0" {
        return None;
    }
    let len = u32::from_be_bytes([b[8], b[9], b[10], b[11]]) as usize;
    if len != b.len() {
        return None;
    }
    let w = u16::from_be_bytes([b[14], b[15]]) as u32;
    let h = u16::from_be_bytes([b[16], b[17]]) as u32;
    Some((w, h))
}

impl App {
    pub(crate) fn data_keys(&self) -> AppResult<&KeyRing> {
        self.identity_keys.as_deref().ok_or_else(|| AppError::Unavailable("the identity store has no data key".into()))
    }

    fn identity_entry(
        &self,
        who: &Principal,
        action: AuditAction,
        person: PersonId,
        fields: &str,
        purpose: &str,
    ) -> AuditEntry {
        AuditEntry {
            id: self.rng.uuid(),
            at: self.clock.now(),
            actor: who.actor(),
            action,
            person_id: Some(person),
            fields: fields.to_owned(),
            purpose: purpose.to_owned(),
            legal_basis: LEGAL_BASIS.to_owned(),
            event_id: None,
            detail: String::new(),
        }
    }

    async fn identity_deny(&self, who: &Principal, person: PersonId, fields: &str, why: &str) -> AppError {
        let mut e = self.identity_entry(who, AuditAction::Denied, person, fields, why);
        e.detail = "outside jurisdiction".into();
        if let Err(err) = self.store.record_access(vec![e]).await {
            tracing::error!(error = %err, "could not write the audit line of a denial");
        }
        AppError::Forbidden
    }

    /// Captures a face image or a fingerprint for the person with `pin`. The new capture becomes
    /// the active one of its kind.
    pub async fn capture_biometric(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
        kind: BiometricKind,
        format: BiometricFormat,
        bytes: &[u8],
    ) -> AppResult<BiometricInfo> {
        who.require(Permission::CaptureBiometrics)?;
        let (width, height) = check_capture(kind, format, bytes).map_err(|r| AppError::invalid("data", r))?;
        let stored = self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)?;
        let person = &stored.person;
        if !who.may_see(person) {
            return Err(self.identity_deny(who, person.id, &format!("biometric.{}", kind.code()), "capture").await);
        }
        person.ensure_active().map_err(|r| AppError::invalid("pin", r))?;
        let id = self.rng.uuid();
        let sealed =
            self.data_keys()?.seal(&aad(id, person.id, kind), bytes).map_err(|e| AppError::Internal(e.to_string()))?;
        let b = StoredBiometric {
            id,
            person_id: person.id,
            kind,
            format,
            width,
            height,
            byte_len: bytes.len() as u32,
            captured_at: self.clock.now(),
            captured_by: who.name.clone(),
            active: true,
            sealed,
        };
        let audit =
            self.identity_entry(who, AuditAction::Create, person.id, &format!("biometric.{}", kind.code()), "capture");
        self.store.insert_biometric(&b, audit).await?;
        Ok(BiometricInfo::from(&b))
    }

    /// What has been captured for a person (no image). Audited as a read of the metadata.
    pub async fn biometric_infos(&self, who: &Principal, pin: &PersonalNumber) -> AppResult<Vec<BiometricInfo>> {
        if !who.has(Permission::CaptureBiometrics) && !who.has(Permission::ReadBiometrics) {
            return Err(AppError::Forbidden);
        }
        let stored = self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)?;
        if !who.may_see(&stored.person) {
            return Err(self.identity_deny(who, stored.person.id, "biometric.metadata", "list").await);
        }
        let list = self.store.biometrics_of(stored.person.id).await?;
        let line = self.identity_entry(who, AuditAction::Read, stored.person.id, "biometric.metadata", "list");
        self.store.record_access(vec![line]).await?;
        Ok(list.iter().map(BiometricInfo::from).collect())
    }

    /// Opens the active capture of `kind`. Only roles with the read permission; audited before
    /// the bytes are returned.
    pub async fn read_biometric(
        &self,
        who: &Principal,
        pin: &PersonalNumber,
        kind: BiometricKind,
        purpose: &str,
    ) -> AppResult<(BiometricInfo, Vec<u8>)> {
        let fields = format!("biometric.{}", kind.code());
        let stored = self.store.person_by_pin(pin).await?.ok_or(AppError::NotFound)?;
        if !who.has(Permission::ReadBiometrics) {
            let mut e = self.identity_entry(who, AuditAction::Denied, stored.person.id, &fields, purpose);
            e.detail = "no permission to read biometrics".into();
            if let Err(err) = self.store.record_access(vec![e]).await {
                tracing::error!(error = %err, "could not write the audit line of a denial");
            }
            return Err(AppError::Forbidden);
        }
        if !who.may_see(&stored.person) {
            return Err(self.identity_deny(who, stored.person.id, &fields, purpose).await);
        }
        self.open_active(who, stored.person.id, kind, purpose).await?.ok_or(AppError::NotFound)
    }

    /// The active capture of `kind`, opened and audited (used by card production as well).
    pub(crate) async fn open_active(
        &self,
        who: &Principal,
        person: PersonId,
        kind: BiometricKind,
        purpose: &str,
    ) -> AppResult<Option<(BiometricInfo, Vec<u8>)>> {
        let Some(b) = self.store.biometrics_of(person).await?.into_iter().find(|b| b.kind == kind && b.active) else {
            return Ok(None);
        };
        let bytes = self
            .data_keys()?
            .open(&b.sealed, &aad(b.id, b.person_id, b.kind))
            .map_err(|e| AppError::Internal(format!("biometric {}: {e}", b.id)))?;
        let line = self.identity_entry(who, AuditAction::Read, person, &format!("biometric.{}", kind.code()), purpose);
        self.store.record_access(vec![line]).await?;
        Ok(Some((BiometricInfo::from(&b), bytes)))
    }

    /// Re-seals every capture still under an older data key with the current key (after
    /// `KeyRing::rotate`). Returns how many were re-sealed. Operator only.
    pub async fn reseal_biometrics(&self, who: &Principal) -> AppResult<u64> {
        who.require(Permission::BulkData)?;
        let keys = self.data_keys()?;
        let current = keys.current_id();
        let mut done = 0;
        loop {
            let batch = self.store.biometrics_not_sealed_with(current, 500).await?;
            if batch.is_empty() {
                return Ok(done);
            }
            for b in batch {
                let aad = aad(b.id, b.person_id, b.kind);
                let plain =
                    keys.open(&b.sealed, &aad).map_err(|e| AppError::Internal(format!("biometric {}: {e}", b.id)))?;
                let sealed = keys.seal(&aad, &plain).map_err(|e| AppError::Internal(e.to_string()))?;
                if self.store.reseal_biometric(b.id, b.sealed.key_id, &sealed).await? {
                    done += 1;
                }
            }
        }
    }
}
