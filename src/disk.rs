//! Files on disk, opened so that no file can hang, flood or redirect aksradar.
//!
//! aksradar's own files (snapshots, history, the remembered view, the log) live in its
//! own folders. They are opened without following a symbolic link (`O_NOFOLLOW`) and
//! without blocking (`O_NONBLOCK`: a FIFO planted there cannot hang a command), must be
//! regular files of a bounded size, and their folder must be a real folder, not a link
//! to one elsewhere (which aksradar would otherwise fill, read back and `chmod`). What
//! fails these checks is reported as such; the callers treat it as a damaged cache.
//!
//! An input file named on the command line may be a link (the user chose it), but must
//! be a regular file, or `-` for standard input, and is read up to [`INPUT_LIMIT`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The largest `--input` file (or standard input) read: 512 MiB, about 100,000
/// clusters of `az aks list` output.
pub const INPUT_LIMIT: u64 = 512 << 20;

/// Why a file or folder of aksradar's own could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OwnFileError {
    #[error("{} is a symbolic link; aksradar does not follow links in its own folders", .path.display())]
    Link { path: PathBuf },
    #[error("{} is {kind}, not a regular file", .path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{} is {size} bytes, more than the {limit} bytes such a file of aksradar's can be", .path.display())]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error(
        "the folder {} is a symbolic link; aksradar keeps its files only in a real folder: \
         remove the link (`rm {}`) so aksradar can make the folder, or set XDG_CACHE_HOME / \
         XDG_STATE_HOME to a folder of your own",
        .path.display(), .path.display()
    )]
    LinkedFolder { path: PathBuf },
    #[error("{} is {kind}, not a folder", .path.display())]
    NotFolder { path: PathBuf, kind: &'static str },
    #[error("cannot use {}: {cause}", .path.display())]
    Io { path: PathBuf, cause: io::Error },
}

impl OwnFileError {
    /// A file that is there but is not what aksradar wrote: a link, a FIFO, a device, a
    /// folder, or far too large. Such a file is moved aside and replaced.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            OwnFileError::Link { .. } | OwnFileError::NotRegular { .. } | OwnFileError::TooLarge { .. }
        )
    }
}

impl From<OwnFileError> for io::Error {
    fn from(err: OwnFileError) -> io::Error {
        match err {
            OwnFileError::Io { cause, .. } if cause.kind() == io::ErrorKind::NotFound => cause,
            other => io::Error::other(other),
        }
    }
}

/// What kind of thing a file type is, in words.
fn kind(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// Options that neither follow a final symbolic link nor block on a FIFO.
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    options
}

/// Options that do not block on a FIFO (a final link is followed).
fn no_block(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NONBLOCK);
    options
}

/// An error from opening `path` without following links, told apart: a link there is
/// [`OwnFileError::Link`] (`O_NOFOLLOW` reports it as "too many levels of links").
fn open_error(path: &Path, cause: io::Error) -> OwnFileError {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => OwnFileError::Link {
            path: path.to_path_buf(),
        },
        Ok(meta) if !meta.is_file() => OwnFileError::NotRegular {
            path: path.to_path_buf(),
            kind: kind(meta.file_type()),
        },
        _ => OwnFileError::Io {
            path: path.to_path_buf(),
            cause,
        },
    }
}

/// Checks that an open file is a regular file of at most `limit` bytes; its size.
fn check_regular(file: &File, path: &Path, limit: u64) -> Result<u64, OwnFileError> {
    let meta = file.metadata().map_err(|cause| OwnFileError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    if !meta.is_file() {
        return Err(OwnFileError::NotRegular {
            path: path.to_path_buf(),
            kind: kind(meta.file_type()),
        });
    }
    if meta.len() > limit {
        return Err(OwnFileError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit,
        });
    }
    Ok(meta.len())
}

/// Reads at most `limit` bytes; more than that is [`OwnFileError::TooLarge`] (a file
/// that grew after it was measured, or a stream). `size` is the expected length: that
/// much is read in one go into a buffer of its size (a zeroed allocation of that size
/// costs no more than an uninitialised one), the rest, if any, a bit at a time.
fn read_bounded(mut reader: impl Read, path: &Path, limit: u64, size: u64) -> Result<Vec<u8>, OwnFileError> {
    let io_error = |cause| OwnFileError::Io {
        path: path.to_path_buf(),
        cause,
    };
    let expected = usize::try_from(size.min(limit)).unwrap_or(0);
    let mut bytes = vec![0u8; expected];
    let mut filled = 0;
    while filled < expected {
        match reader.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(io_error(err)),
        }
    }
    bytes.truncate(filled);
    let room = limit.saturating_add(1).saturating_sub(filled as u64);
    reader.take(room).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(OwnFileError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Checks that `dir`, if it exists, is a real folder and not a link to one.
pub fn check_folder(dir: &Path) -> Result<(), OwnFileError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => Err(OwnFileError::LinkedFolder {
            path: dir.to_path_buf(),
        }),
        Ok(meta) if !meta.is_dir() => Err(OwnFileError::NotFolder {
            path: dir.to_path_buf(),
            kind: kind(meta.file_type()),
        }),
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(cause) => Err(OwnFileError::Io {
            path: dir.to_path_buf(),
            cause,
        }),
    }
}

/// One of aksradar's own files, whole, or `None` when there is none. Refuses a link, a
/// FIFO, a device, a folder, a file larger than `limit` and a folder that is a link.
pub fn read_own(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, OwnFileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        check_folder(dir)?;
    }
    let file = match no_follow(OpenOptions::new().read(true)).open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(open_error(path, err)),
    };
    let size = check_regular(&file, path, limit)?;
    read_bounded(file, path, limit, size).map(Some)
}

/// Appends `bytes` to one of aksradar's own files (created owner-only), never through
/// a link and never into a FIFO or device.
pub fn append_own(path: &Path, bytes: &[u8]) -> Result<(), OwnFileError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = no_follow(&mut options)
        .open(path)
        .map_err(|err| open_error(path, err))?;
    check_regular(&file, path, u64::MAX)?;
    file.write_all(bytes).map_err(|cause| OwnFileError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

/// Appends to a log of at most about `cap` bytes: once past it, the log becomes
/// `NAME.1` (replacing the one before) and a new one starts, so a log never grows
/// without bound and the latest lines are always kept.
pub fn append_log(path: &Path, bytes: &[u8], cap: u64) -> Result<(), OwnFileError> {
    let full = std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file() && meta.len() >= cap);
    if full {
        let mut older = path.as_os_str().to_owned();
        older.push(".1");
        // A failed rotation only means the log grows a little more this time.
        let _ = std::fs::rename(path, older);
    }
    append_own(path, bytes)
}

/// Creates `dir` and its parents, the last one readable by the owner only. A `dir`
/// that is a symbolic link (to a folder that may be anyone's) is refused, not changed.
pub fn private_dir(dir: &Path) -> Result<(), OwnFileError> {
    let io_error = |cause| OwnFileError::Io {
        path: dir.to_path_buf(),
        cause,
    };
    check_folder(dir)?;
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode is set on the folder opened without following a link, so a link
        // swapped in after the check above is refused here, not followed.
        let mut options = OpenOptions::new();
        options.read(true);
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW | libc::O_DIRECTORY);
        let folder = options.open(dir).map_err(|err| match check_folder(dir) {
            Err(refused) => refused,
            Ok(()) => io_error(err),
        })?;
        let private = fs::Permissions::from_mode(0o700);
        if folder.metadata().map_err(io_error)?.permissions().mode() & 0o777 != 0o700 {
            folder.set_permissions(private).map_err(io_error)?;
        }
    }
    Ok(())
}

/// Moves a damaged file aside (the link itself, for a link: `rename` never follows
/// one) and says where, or why it could not.
pub fn set_aside(path: &Path, stamp: i64) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let aside = path.with_file_name(format!("{name}.damaged-{stamp}"));
    match fs::rename(path, &aside) {
        Ok(()) => format!("kept aside as {}", aside.display()),
        Err(err) => format!("could not move it aside: {err}"),
    }
}

/// Why an input could not be read. `input` names it: `input file PATH`, or
/// `standard input`.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "{input} is {kind}, not a regular file; aksradar reads exported files, \
         or standard input when the file is `-` (`aksradar scan --input - < export.json`)"
    )]
    NotRegular { input: String, kind: &'static str },
    #[error(
        "{input} is larger than {limit} bytes ({} MiB), the most aksradar reads \
         from one input; split the export (one file per subscription, say) and give each \
         with --input", .limit >> 20
    )]
    TooLarge { input: String, limit: u64 },
    #[error("cannot read {input}: {cause}")]
    Io { input: String, cause: io::Error },
}

/// The bytes of an input file, or of standard input for `-`: a regular file (a link
/// to one is fine) of at most `limit` bytes.
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    if path.as_os_str() == "-" {
        return read_input_from(io::stdin().lock(), "standard input", limit);
    }
    let input = format!("input file {}", path.display());
    let io_error = |cause| InputError::Io {
        input: input.clone(),
        cause,
    };
    let opened = no_block(OpenOptions::new().read(true)).open(path).map_err(io_error)?;
    let meta = opened.metadata().map_err(io_error)?;
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            input,
            kind: kind(meta.file_type()),
        });
    }
    if meta.len() > limit {
        return Err(InputError::TooLarge { input, limit });
    }
    read_bounded(opened, Path::new(&input), limit, meta.len()).map_err(|err| input_error(err, &input, limit))
}

/// Reads a stream up to `limit` bytes; a longer one is [`InputError::TooLarge`].
/// `input` names it in errors.
pub fn read_input_from(reader: impl Read, input: &str, limit: u64) -> Result<Vec<u8>, InputError> {
    read_bounded(reader, Path::new(input), limit, 0).map_err(|err| input_error(err, input, limit))
}

fn input_error(err: OwnFileError, input: &str, limit: u64) -> InputError {
    match err {
        OwnFileError::TooLarge { .. } => InputError::TooLarge {
            input: input.to_string(),
            limit,
        },
        OwnFileError::Io { cause, .. } => InputError::Io {
            input: input.to_string(),
            cause,
        },
        other => InputError::Io {
            input: input.to_string(),
            cause: io::Error::other(other),
        },
    }
}

#[cfg(test)]
mod tests;
