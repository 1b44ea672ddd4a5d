//! Which filesystem events concern a watched config file and which are editor noise.

use std::{
    ffi::{OsStr, OsString},
    fs,
    path::{Component, Path, PathBuf},
};

use notify::{
    event::{AccessKind, AccessMode},
    Event, EventKind,
};

/// Symlink hops followed inside one directory before giving up; a Kubernetes volume needs two
/// (`alys.toml -> ..data/alys.toml`, `..data -> ..v1`).
const MAX_LINK_HOPS: usize = 8;

/// A config file split into the directory that is watched and the name looked for in it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The canonical directory, the same path the watch is registered on, so event paths start
    /// with it.
    pub(crate) dir: PathBuf,
    /// The file's name inside `dir`.
    pub(crate) name: OsString,
}

/// Names editors write next to the file they save: vim's `4913` probe, backups (`*~`), emacs
/// locks (`.#*`) and vim swap files (`*.swp`, `*.swx`).
pub(crate) fn is_editor_temp(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    name == "4913"
        || name.ends_with('~')
        || name.starts_with(".#")
        || name.ends_with(".swp")
        || name.ends_with(".swx")
}

/// Whether an event kind can change what a file reads as. Opens and reads are dropped: the
/// watcher's own reads would otherwise wake it again.
fn may_change_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The names in `target.dir` whose change can change what the target reads as: the file itself
/// and every relative symlink it passes through in the same directory (`..data`, `..v1`).
///
/// Read again for every event because a swap changes the chain.
pub(crate) fn chain_names(target: &Target) -> Vec<OsString> {
    let mut names = vec![target.name.clone()];
    let mut next = 0;
    while next < names.len() && names.len() <= MAX_LINK_HOPS {
        let link = target.dir.join(&names[next]);
        next += 1;
        let Ok(dest) = fs::read_link(&link) else {
            continue;
        };
        if let Some(Component::Normal(first)) = dest.components().next() {
            if !dest.is_absolute() && !names.iter().any(|n| n == first) {
                names.push(first.to_os_string());
            }
        }
    }
    names
}

/// Whether `event` may have changed what any target reads as.
///
/// A rescan request from the backend always counts: events were lost and nothing is known.
pub(crate) fn is_relevant(targets: &[Target], event: &Event) -> bool {
    if event.need_rescan() {
        return true;
    }
    if !may_change_content(&event.kind) {
        return false;
    }
    event
        .paths
        .iter()
        .any(|path| concerns_target(targets, path))
}

fn concerns_target(targets: &[Target], path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    if is_editor_temp(name) {
        return false;
    }
    targets
        .iter()
        .filter(|target| target.dir == dir)
        .any(|target| chain_names(target).iter().any(|n| n == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_temp_names_are_recognised() {
        for name in [
            "4913",
            "alys.toml~",
            ".#alys.toml",
            ".alys.toml.swp",
            ".alys.toml.swx",
        ] {
            assert!(is_editor_temp(OsStr::new(name)), "{name}");
        }
        assert!(!is_editor_temp(OsStr::new("alys.toml")));
    }

    #[cfg(unix)]
    #[test]
    fn chain_names_follow_kubernetes_style_links() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().canonicalize().expect("canonical");
        fs::create_dir(dir.join("..v1")).expect("mkdir");
        std::os::unix::fs::symlink("..v1", dir.join("..data")).expect("link data");
        std::os::unix::fs::symlink("..data/alys.toml", dir.join("alys.toml")).expect("link");
        let target = Target {
            dir,
            name: "alys.toml".into(),
        };
        assert_eq!(chain_names(&target), vec!["alys.toml", "..data", "..v1"]);
    }

    #[test]
    fn own_reads_are_not_relevant() {
        let target = Target {
            dir: PathBuf::from("/etc/alys"),
            name: "alys.toml".into(),
        };
        let open = Event::new(EventKind::Access(AccessKind::Open(AccessMode::Any)))
            .add_path(PathBuf::from("/etc/alys/alys.toml"));
        assert!(!is_relevant(std::slice::from_ref(&target), &open));
        let write = Event::new(EventKind::Access(AccessKind::Close(AccessMode::Write)))
            .add_path(PathBuf::from("/etc/alys/alys.toml"));
        assert!(is_relevant(&[target], &write));
    }

    #[test]
    fn temp_files_and_strangers_in_the_directory_are_not_relevant() {
        let target = Target {
            dir: PathBuf::from("/etc/alys"),
            name: "alys.toml".into(),
        };
        for name in [
            "4913",
            "alys.toml~",
            ".alys.toml.swp",
            ".#alys.toml",
            "other.toml",
        ] {
            let event = Event::new(EventKind::Create(notify::event::CreateKind::File))
                .add_path(Path::new("/etc/alys").join(name));
            assert!(
                !is_relevant(std::slice::from_ref(&target), &event),
                "{name}"
            );
        }
        let elsewhere = Event::new(EventKind::Create(notify::event::CreateKind::File))
            .add_path(PathBuf::from("/tmp/alys.toml"));
        assert!(!is_relevant(&[target], &elsewhere));
    }
}
