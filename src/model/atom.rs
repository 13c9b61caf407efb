//! Shared text: `Atom`, an immutable string that clones for the price of a counter, and
//! `Interner`, which hands out one `Atom` per distinct text.
//!
//! A fleet repeats most of its text: 100,000 clusters sit in a few dozen regions, run a
//! few dozen versions, on five channels, with a few hundred node images, and their
//! findings say the same few hundred things. Each distinct text is kept once per read
//! or load (an `Interner` lives as long as one read, one load, one assessment) and
//! every cluster that carries it points at it. An `Atom` reads like a `&str`
//! (`Deref`, `Display`, comparisons with `str`, `&str` and `String`) and serialises as
//! a plain JSON string, so nothing outside sees the sharing.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::hash::Hash;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An immutable, cheaply cloned string. One pointer wide (`Option<Atom>` too): a
/// fleet holds millions of them and a few hundred thousand texts, so the text's length
/// lives with the text, one step further, rather than in every pointer to it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom(Arc<Box<str>>);

impl Atom {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two atoms share one text (not only equal texts).
    pub fn ptr_eq(a: &Atom, b: &Atom) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Default for Atom {
    fn default() -> Atom {
        Atom::from("")
    }
}

impl Deref for Atom {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Atom {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Atom {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Atom {
    fn from(text: &str) -> Atom {
        Atom(Arc::new(Box::from(text)))
    }
}

impl From<String> for Atom {
    fn from(text: String) -> Atom {
        Atom(Arc::new(text.into_boxed_str()))
    }
}

impl From<&String> for Atom {
    fn from(text: &String) -> Atom {
        Atom::from(text.as_str())
    }
}

impl From<Atom> for String {
    fn from(atom: Atom) -> String {
        atom.0.to_string()
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for Atom {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Atom {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Atom {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Atom> for str {
    fn eq(&self, other: &Atom) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Atom> for &str {
    fn eq(&self, other: &Atom) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Atom> for String {
    fn eq(&self, other: &Atom) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for Atom {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Atom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Atom, D::Error> {
        // A borrowed `&str` is not always possible (escapes), an owned one is.
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Atom::from(&*text))
    }
}

/// One `Atom` per distinct text, and one copy of each distinct set of tags, version
/// list, maintenance schedule and details stamp, for as long as the interner lives.
#[derive(Debug, Default)]
pub struct Interner {
    atoms: HashSet<Atom>,
    tags: HashSet<Arc<BTreeMap<String, String>>>,
    versions: HashSet<Arc<[Atom]>>,
    schedules: HashSet<Arc<super::MaintenanceSchedule>>,
    details: HashSet<Arc<super::DetailsRead>>,
}

/// `value` itself when it is the first of its kind in `seen`, else the copy seen before.
fn share_arc<T: Hash + Eq + ?Sized>(seen: &mut HashSet<Arc<T>>, value: &mut Arc<T>) {
    match seen.get(&**value) {
        Some(known) => {
            if !Arc::ptr_eq(known, value) {
                *value = known.clone();
            }
        }
        None => {
            seen.insert(value.clone());
        }
    }
}

impl Interner {
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The atom of `text`: the one handed out before for an equal text, else a new one.
    pub fn intern(&mut self, text: &str) -> Atom {
        if let Some(atom) = self.atoms.get(text) {
            return atom.clone();
        }
        let atom = Atom::from(text);
        self.atoms.insert(atom.clone());
        atom
    }

    /// `atom` itself when it is the first of its text, else the one handed out before
    /// (and `atom`'s own copy is let go).
    pub fn share(&mut self, atom: &mut Atom) {
        match self.atoms.get(atom.as_str()) {
            Some(known) => {
                if !Atom::ptr_eq(known, atom) {
                    *atom = known.clone();
                }
            }
            None => {
                self.atoms.insert(atom.clone());
            }
        }
    }

    /// `share` for an optional atom.
    pub fn share_opt(&mut self, atom: &mut Option<Atom>) {
        if let Some(atom) = atom {
            self.share(atom);
        }
    }

    /// `share` for every atom of a list.
    pub fn share_all(&mut self, atoms: &mut [Atom]) {
        for atom in atoms {
            self.share(atom);
        }
    }

    /// `share` for a set of tags: clusters with the same tags keep one copy of them.
    pub fn share_tags(&mut self, tags: &mut Arc<BTreeMap<String, String>>) {
        share_arc(&mut self.tags, tags);
    }

    /// `share` for a list of versions, its texts shared too.
    pub fn share_versions(&mut self, versions: &mut Arc<[Atom]>) {
        if self.versions.contains(&**versions) {
            share_arc(&mut self.versions, versions);
            return;
        }
        let mut own: Vec<Atom> = versions.to_vec();
        self.share_all(&mut own);
        *versions = own.into();
        self.versions.insert(versions.clone());
    }

    /// `share` for a maintenance schedule, its summary shared too.
    pub fn share_schedule(&mut self, schedule: &mut Arc<super::MaintenanceSchedule>) {
        if !self.schedules.contains(&**schedule) {
            let mut own = (**schedule).clone();
            self.share(&mut own.summary);
            *schedule = Arc::new(own);
        }
        share_arc(&mut self.schedules, schedule);
    }

    /// `share` for a details stamp (most clusters of a read have the same one).
    pub fn share_details(&mut self, details: &mut Arc<super::DetailsRead>) {
        share_arc(&mut self.details, details);
    }

    /// The distinct texts handed out so far.
    pub fn len(&self) -> usize {
        self.atoms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_interned_share_one_allocation() {
        let mut interner = Interner::new();
        let a = interner.intern("westeurope");
        let b = interner.intern(&String::from("westeurope"));
        assert!(Atom::ptr_eq(&a, &b));
        let mut c = Atom::from("westeurope");
        assert!(!Atom::ptr_eq(&a, &c), "made apart, not shared yet");
        interner.share(&mut c);
        assert!(Atom::ptr_eq(&a, &c), "shared once it went through the interner");
        assert_eq!(interner.len(), 1);
        let mut other = Some(Atom::from("eastus"));
        interner.share_opt(&mut other);
        assert_eq!(interner.len(), 2);
    }

    #[test]
    fn an_atom_reads_compares_and_serialises_like_a_string() {
        let atom = Atom::from("Azure \"quoted\"");
        assert_eq!(atom, "Azure \"quoted\"");
        assert_eq!("Azure \"quoted\"", atom);
        assert_eq!(atom, String::from("Azure \"quoted\""));
        assert_eq!(atom.len(), "Azure \"quoted\"".len());
        assert_eq!(format!("{atom}|{atom:?}"), "Azure \"quoted\"|\"Azure \\\"quoted\\\"\"");
        let json = serde_json::to_string(&atom).unwrap();
        assert_eq!(json, r#""Azure \"quoted\"""#);
        assert_eq!(serde_json::from_str::<Atom>(&json).unwrap(), atom);
        assert!(serde_json::from_str::<Atom>("3").is_err());
    }
}
