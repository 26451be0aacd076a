#![no_main]
//! MRZ text as a reader's OCR or a chip's DG1 gives it.
use dinhdanh_icao::mrz::{Td1, VnCardMrz};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(td1) = Td1::parse(text, 2026)
    {
        let _ = VnCardMrz::from_td1(&td1);
        let _ = td1.encode();
    }
});
