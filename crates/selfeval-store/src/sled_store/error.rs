//! sled's errors in the store's terms (no `sled::` type leaves the crate).

use crate::StoreError;

/// Converts the engine's errors: a public `From` impl would name sled in the API.
pub(crate) trait OrStore<T> {
    fn or_store(self) -> Result<T, StoreError>;
}

impl<T> OrStore<T> for Result<T, sled::Error> {
    fn or_store(self) -> Result<T, StoreError> {
        self.map_err(engine_error)
    }
}

/// The engine's error in our terms, its message in Chinese where it is ours
/// to say.
pub(crate) fn engine_error(error: sled::Error) -> StoreError {
    match error {
        sled::Error::Io(io) => io.into(),
        sled::Error::Corruption { at, .. } => StoreError::Corrupt {
            seq: 0,
            message: match at {
                Some(at) => format!("存储引擎在文件位置 {at} 读到损坏的数据"),
                None => "存储引擎读到损坏的数据".to_owned(),
            },
        },
        other => StoreError::Io(other.to_string()),
    }
}
