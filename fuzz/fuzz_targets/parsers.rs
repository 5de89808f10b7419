#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| selfeval_fuzz::parsers(data));
