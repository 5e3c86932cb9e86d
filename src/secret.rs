//! The server secret (sessions, CSRF, signatures): `BOXOFFICE_SECRET_KEY`, or 64 random bytes
//! generated on first start and kept in the data folder, so restarts don't log people out.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;

pub const SECRET_FILE: &str = "secret.key";
const GENERATED_BYTES: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the secret key {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the secret key {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the secret key file {0} is damaged: delete it to generate a new one (this logs everyone out)"
    )]
    Damaged(String),
}

/// The configured secret, or the one kept in `data_dir`, generated if there is none.
pub fn load_or_create(configured: Option<&[u8]>, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if let Some(key) = configured {
        return Ok(key.to_vec());
    }
    let path = data_dir.join(SECRET_FILE);
    let shown = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) => decode_hex(text.trim())
            .filter(|k| k.len() >= GENERATED_BYTES)
            .ok_or(SecretError::Damaged(shown)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(source) => Err(SecretError::Read {
            path: shown,
            source,
        }),
    }
}

fn create(path: &PathBuf) -> Result<Vec<u8>, SecretError> {
    let shown = path.display().to_string();
    let write_err = |source| SecretError::Write {
        path: shown.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let mut key = vec![0u8; GENERATED_BYTES];
    rand::rng().fill_bytes(&mut key);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(hex.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(write_err)?;
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            load_or_create(None, path.parent().unwrap_or(Path::new(".")))
        }
        Err(source) => Err(write_err(source)),
    }
}

/// A random password made at start-up, never stored: the dummy hash is made from it.
pub fn dummy_password() -> &'static str {
    static PASSWORD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PASSWORD.get_or_init(|| {
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(None, dir.path()).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create(None, dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_configured_key_wins_and_a_damaged_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let configured = vec![7u8; 64];
        assert_eq!(
            load_or_create(Some(&configured), dir.path()).unwrap(),
            configured
        );
        std::fs::write(dir.path().join(SECRET_FILE), "not hex").unwrap();
        assert!(matches!(
            load_or_create(None, dir.path()),
            Err(SecretError::Damaged(_))
        ));
    }
}
