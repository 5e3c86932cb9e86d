//! Files only the owner may read: the `.eml` outbox folder and its messages (and the
//! database's folder, see `db::Db::connect`).

use std::io::Write;
use std::path::Path;

/// Writes the message next to its final name, then renames it, so a reader never sees half a
/// file and a crash never leaves one. Folders are made 0700 and files 0600 (emails hold reset
/// links and buyers' details); a failed write removes its temporary file, so retries on a full
/// disk never fill it further.
pub(super) fn write_eml(dir: &Path, stem: &str, bytes: &[u8]) -> std::io::Result<()> {
    private_dir(dir)?;
    let final_path = dir.join(format!("{stem}.eml"));
    let temp_path = dir.join(format!(".{stem}.eml.tmp"));
    let written = (|| {
        let mut file = private_file(&temp_path)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp_path, &final_path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp_path);
    }
    written
}

/// Creates `dir` (and its parents) readable by the owner only.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates (or truncates) a file readable by the owner only.
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
