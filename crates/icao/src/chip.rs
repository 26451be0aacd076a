//! The whole chip data set of a card: what production writes to the chip and what a reader
//! gives to passive authentication.

use crate::cert::Certificate;
use crate::keys::{ContentSigner, Hash, PublicKey};
use crate::lds::{self, Dg13, FaceGender, LdsError};
use crate::mrz::{MrzError, VnCardMrz};
use crate::sod::{SodError, SodTemplate};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// What goes on the chip.
#[derive(Clone, Debug)]
pub struct ChipInput<'a> {
    pub mrz: &'a VnCardMrz,
    /// The face image (JPEG); `None` for a card without photo (holders under 6).
    pub face_jpeg: Option<&'a [u8]>,
    pub face_gender: FaceGender,
    pub dg13: &'a Dg13,
    /// The chip's Active Authentication public key, when the chip has one.
    pub active_authentication_key: Option<&'a PublicKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChipError {
    #[error(transparent)]
    Mrz(#[from] MrzError),
    #[error(transparent)]
    Lds(#[from] LdsError),
    #[error(transparent)]
    Sod(#[from] SodError),
    #[error("file {0} is not part of the chip data")]
    UnknownFile(String),
}

/// EF.COM, the data groups and EF.SOD, as bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipData {
    pub com: Vec<u8>,
    pub data_groups: BTreeMap<u8, Vec<u8>>,
    pub sod: Vec<u8>,
}

/// File name of EF.COM in an exported card directory.
pub const COM_FILE: &str = "EF.COM.bin";
/// File name of EF.SOD in an exported card directory.
pub const SOD_FILE: &str = "EF.SOD.bin";

/// File name of data group `n` in an exported card directory.
pub fn dg_file(n: u8) -> String {
    format!("DG{n}.bin")
}

impl ChipData {
    /// Builds every data group and signs EF.SOD with the document signer.
    pub fn build(
        input: &ChipInput<'_>,
        document_signer: &Certificate,
        signer: &dyn ContentSigner,
        signing_time: OffsetDateTime,
    ) -> Result<ChipData, ChipError> {
        let template = SodTemplate::new(document_signer, signer, Hash::Sha256)?;
        Self::build_with(input, &template, signer, signing_time)
    }

    /// [`ChipData::build`] with the document signer's part of EF.SOD prepared once
    /// ([`SodTemplate`]), as a production line signing many cards does.
    pub fn build_with(
        input: &ChipInput<'_>,
        template: &SodTemplate,
        signer: &dyn ContentSigner,
        signing_time: OffsetDateTime,
    ) -> Result<ChipData, ChipError> {
        let mut dgs = BTreeMap::new();
        dgs.insert(1, lds::dg1(&input.mrz.to_td1()?)?);
        if let Some(jpeg) = input.face_jpeg {
            dgs.insert(2, lds::dg2(jpeg, input.face_gender)?);
        }
        dgs.insert(13, input.dg13.encode());
        if let Some(key) = input.active_authentication_key {
            if matches!(key, PublicKey::Ec { .. }) {
                dgs.insert(14, lds::dg14_active_authentication(Hash::Sha256));
            }
            dgs.insert(15, lds::dg15(key));
        }
        let numbers: Vec<u8> = dgs.keys().copied().collect();
        let sod = template.build(&dgs, signer, signing_time)?;
        Ok(ChipData { com: lds::ef_com(&numbers), data_groups: dgs, sod })
    }

    /// (file name, bytes) of every elementary file.
    pub fn files(&self) -> Vec<(String, &[u8])> {
        let mut out = vec![(COM_FILE.to_owned(), self.com.as_slice())];
        out.extend(self.data_groups.iter().map(|(n, b)| (dg_file(*n), b.as_slice())));
        out.push((SOD_FILE.to_owned(), self.sod.as_slice()));
        out
    }

    /// Reassembles chip data from (file name, bytes) pairs, as [`ChipData::files`] names them.
    /// Files other than the chip's are refused.
    pub fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Result<ChipData, ChipError> {
        let mut com = Vec::new();
        let mut sod = Vec::new();
        let mut data_groups = BTreeMap::new();
        for (name, bytes) in files {
            if name == COM_FILE {
                com = bytes;
            } else if name == SOD_FILE {
                sod = bytes;
            } else if let Some(n) = (1..=16).find(|n| dg_file(*n) == name) {
                data_groups.insert(n, bytes);
            } else {
                return Err(ChipError::UnknownFile(name));
            }
        }
        Ok(ChipData { com, data_groups, sod })
    }
}
