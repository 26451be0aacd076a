#![no_main]
//! Every data group parser on the same bytes: EF.COM, DG1, DG2, DG13, DG14, DG15.
use dinhdanh_icao::lds;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = lds::parse_ef_com(data);
    let _ = lds::parse_dg1(data, 2026);
    let _ = lds::parse_dg2(data);
    if let Ok(dg13) = lds::Dg13::parse(data) {
        // What was read is written back and reads the same.
        assert_eq!(lds::Dg13::parse(&dg13.encode()).ok(), Some(dg13));
    }
    let _ = lds::parse_dg14_active_authentication(data);
    let _ = lds::parse_dg15(data);
    let _ = dinhdanh_icao::aa::verify(data, None, &[0; 8], &[0; 64]);
});
