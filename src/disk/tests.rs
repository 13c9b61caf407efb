//! Own files and input files against what a hostile or broken disk can hold: links to
//! files and devices outside, FIFOs with no writer, huge (sparse) files, folders that
//! are links, and streams that never end.

use std::os::unix::fs::{PermissionsExt, symlink};

use super::*;

fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn sparse(path: &Path, size: u64) {
    File::create(path).and_then(|f| f.set_len(size)).expect("a sparse file");
}

#[test]
fn an_own_file_is_read_whole_and_a_missing_one_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    assert!(read_own(&path, 100).unwrap().is_none());
    fs::write(&path, b"{}").unwrap();
    assert_eq!(read_own(&path, 100).unwrap().as_deref(), Some(&b"{}"[..]));
}

#[test]
fn a_link_in_an_own_folder_is_refused_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.json");
    fs::write(&secret, b"{\"secret\": true}").unwrap();
    let path = dir.path().join("snapshot.json");
    symlink(&secret, &path).unwrap();
    let err = read_own(&path, 1 << 20).unwrap_err();
    assert!(matches!(err, OwnFileError::Link { .. }), "{err}");
    assert!(err.is_damage());
    let zero = dir.path().join("history.jsonl");
    symlink("/dev/zero", &zero).unwrap();
    assert!(matches!(read_own(&zero, 1 << 20), Err(OwnFileError::Link { .. })));
}

#[test]
fn a_fifo_a_device_a_folder_and_a_huge_file_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe");
    fifo(&pipe);
    let err = read_own(&pipe, 1 << 20).unwrap_err();
    assert!(err.to_string().contains("a FIFO"), "{err}");
    assert!(err.is_damage());
    let folder = dir.path().join("folder");
    fs::create_dir(&folder).unwrap();
    assert!(read_own(&folder, 1 << 20).unwrap_err().to_string().contains("a folder"));
    let huge = dir.path().join("huge");
    sparse(&huge, 3 << 30);
    let err = read_own(&huge, 1 << 20).unwrap_err();
    assert!(
        matches!(err, OwnFileError::TooLarge { size, .. } if size == 3 << 30),
        "{err}"
    );
}

#[test]
fn a_folder_that_is_a_link_is_neither_read_nor_chmod_ed() {
    let outside = tempfile::tempdir().unwrap();
    fs::set_permissions(outside.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(outside.path().join("snapshot.json"), b"{}").unwrap();
    let home = tempfile::tempdir().unwrap();
    let linked = home.path().join("aksradar");
    symlink(outside.path(), &linked).unwrap();
    let err = private_dir(&linked).unwrap_err();
    assert!(matches!(err, OwnFileError::LinkedFolder { .. }), "{err}");
    assert!(err.to_string().contains("remove the link"), "says what to do: {err}");
    let mode = fs::metadata(outside.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the outside folder keeps its mode");
    assert!(matches!(
        read_own(&linked.join("snapshot.json"), 1 << 20),
        Err(OwnFileError::LinkedFolder { .. })
    ));
    assert!(append_own(&linked.join("aksradar.log"), b"line\n").is_err());
    assert!(
        !outside.path().join("aksradar.log").exists(),
        "nothing written through the link"
    );
}

#[test]
fn a_private_folder_is_made_owner_only() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("a/b/aksradar");
    private_dir(&dir).unwrap();
    assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    private_dir(&dir).unwrap();
    assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let file = home.path().join("file");
    fs::write(&file, b"").unwrap();
    assert!(matches!(private_dir(&file), Err(OwnFileError::NotFolder { .. })));
}

#[test]
fn the_log_is_appended_in_place_never_through_a_link_or_into_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("aksradar.log");
    append_own(&log, b"one\n").unwrap();
    append_own(&log, b"two\n").unwrap();
    assert_eq!(fs::read(&log).unwrap(), b"one\ntwo\n");
    assert_eq!(fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600);

    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("bashrc");
    fs::write(&target, b"original\n").unwrap();
    let linked = dir.path().join("linked.log");
    symlink(&target, &linked).unwrap();
    let err = append_own(&linked, b"warning\n").unwrap_err();
    assert!(matches!(err, OwnFileError::Link { .. }), "{err}");
    assert_eq!(fs::read(&target).unwrap(), b"original\n", "the target is untouched");

    let pipe = dir.path().join("pipe.log");
    fifo(&pipe);
    let err = append_own(&pipe, b"warning\n").unwrap_err();
    assert!(err.to_string().contains("FIFO"), "{err}");
}

#[test]
fn a_damaged_file_is_moved_aside_the_link_itself_not_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("keep.json");
    fs::write(&target, b"mine").unwrap();
    let path = dir.path().join("snapshot.json");
    symlink(&target, &path).unwrap();
    let said = set_aside(&path, 42);
    assert!(said.contains("snapshot.json.damaged-42"), "{said}");
    assert!(fs::symlink_metadata(&path).is_err(), "the link is gone from its place");
    assert_eq!(fs::read(&target).unwrap(), b"mine", "the target stays where it was");
}

#[test]
fn an_input_must_be_a_regular_file_within_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    fs::write(&file, b"[]").unwrap();
    assert_eq!(read_input(&file, 100).unwrap(), b"[]");
    let link = dir.path().join("link.json");
    symlink(&file, &link).unwrap();
    assert_eq!(
        read_input(&link, 100).unwrap(),
        b"[]",
        "a link the user names is followed"
    );

    for device in ["/dev/zero", "/dev/urandom"] {
        let err = read_input(Path::new(device), INPUT_LIMIT).unwrap_err();
        assert!(err.to_string().contains("a character device"), "{err}");
        assert!(
            err.to_string().contains("--input -"),
            "says how to read a stream: {err}"
        );
    }
    let pipe = dir.path().join("pipe");
    fifo(&pipe);
    let err = read_input(&pipe, INPUT_LIMIT).unwrap_err();
    assert!(matches!(err, InputError::NotRegular { .. }), "{err}");

    let huge = dir.path().join("huge.json");
    sparse(&huge, INPUT_LIMIT + 1);
    let err = read_input(&huge, INPUT_LIMIT).unwrap_err().to_string();
    assert!(err.contains("huge.json") && err.contains("512 MiB"), "{err}");
    assert!(err.contains("split the export"), "{err}");
}

#[test]
fn a_stream_is_read_up_to_the_limit_and_no_further() {
    let err = read_input_from(io::repeat(b'['), "standard input", 4096).unwrap_err();
    assert!(matches!(err, InputError::TooLarge { limit: 4096, .. }), "{err}");
    assert!(
        err.to_string().starts_with("standard input is larger than 4096 bytes"),
        "{err}"
    );
    assert_eq!(read_input_from(&b"[1]"[..], "-", 4096).unwrap(), b"[1]");
    assert_eq!(
        read_input_from(&b"1234"[..], "-", 4).unwrap(),
        b"1234",
        "exactly the limit is fine"
    );
}

#[test]
fn a_file_that_grows_or_shrinks_after_it_was_measured_is_read_as_it_is_within_the_limit() {
    let path = Path::new("grows");
    assert_eq!(read_bounded(&b"12345678"[..], path, 100, 4).unwrap(), b"12345678");
    assert_eq!(read_bounded(&b"12"[..], path, 100, 4).unwrap(), b"12");
    let err = read_bounded(io::repeat(b'x'), path, 100, 50).unwrap_err();
    assert!(
        matches!(
            err,
            OwnFileError::TooLarge {
                size: 101,
                limit: 100,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_log_past_its_cap_is_rotated_once_and_keeps_the_newest_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("aksradar.log");
    let older = dir.path().join("aksradar.log.1");
    for n in 0..10 {
        append_log(&log, format!("line {n}\n").as_bytes(), 20).unwrap();
    }
    let now = fs::read_to_string(&log).unwrap();
    let before = fs::read_to_string(&older).unwrap();
    assert!(now.ends_with("line 9\n"), "{now}");
    assert!(now.len() <= 20 + 7, "the log stays near its cap: {now:?}");
    assert!(before.len() >= 20, "the rotated log holds what came before: {before:?}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "one older log, not one per rotation"
    );

    // A link in the log's place is still refused, rotation or not.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("big");
    fs::write(&target, vec![b'x'; 100]).unwrap();
    let linked = dir.path().join("linked.log");
    symlink(&target, &linked).unwrap();
    assert!(append_log(&linked, b"warning\n", 20).is_err());
    assert_eq!(fs::read(&target).unwrap().len(), 100, "the target is untouched");
}
