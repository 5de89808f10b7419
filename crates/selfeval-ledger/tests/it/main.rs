//! The ledger's tests, in process on real stores (sled, and PostgreSQL
//! when `SELFEVAL_TEST_PG` names a server): the seed
//! department's figures, scoped replay against full replay, snapshot plus
//! tail against full replay, and the layering of the workspace.

#![allow(missing_docs)] // test helpers, documented by their names

mod commands;
mod function_length;
mod layering;
mod replay;
mod seed;

pub fn dec(text: &str) -> rust_decimal::Decimal {
    rust_decimal::Decimal::from_str_exact(text).unwrap()
}
