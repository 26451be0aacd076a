#![no_main]
//! Certificates, CRLs and PEM files as a verifier receives them.
use dinhdanh_icao::{cert, crl, keys, pem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = cert::Certificate::from_der(data) {
        let _ = (c.csca_profile_problems(), c.ds_profile_problems(), c.is_signed_by(&c.public_key));
    }
    let _ = crl::Crl::from_der(data);
    let _ = keys::PublicKey::from_spki(data);
    let _ = cert::certificates_from_file(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = pem::decode_all(text, "CERTIFICATE");
    }
});
