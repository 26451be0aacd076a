#![no_main]
//! EF.SOD and the whole passive-authentication path over it.
use dinhdanh_icao::sod::Sod;
use dinhdanh_icao::{TrustStore, passive_authentication};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let _ = Sod::parse(data);
    let mut dgs = BTreeMap::new();
    dgs.insert(1u8, data.get(..16).unwrap_or_default().to_vec());
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let _ = passive_authentication(data, &dgs, &TrustStore::default(), at);
});
