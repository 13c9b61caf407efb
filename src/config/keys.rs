//! `[keys]` as written: command names and key names, each with the place in the file
//! where it was written.
//!
//! Config does not know the dashboard's commands or key names (they live above it, in
//! `app`); it keeps the text, and `app::Keymap` resolves it, pointing a name it does not
//! know at the file, line and column with [`Place::error`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::{ConfigError, key_at, line_column};

/// `[keys]`: command name = a key or a list of keys, in the order of the command names.
/// A command listed here loses its default keys; a key bound here leaves whatever
/// command had it before.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyBindings(pub Vec<Binding>);

/// One line of `[keys]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The command's name, e.g. `page-down`.
    pub command: Written,
    /// The key names, e.g. `j`, `<Down>`; they share the place of the value.
    pub keys: Vec<String>,
    /// Where the value (the key or the list) was written.
    pub keys_place: Place,
}

/// A name as written in the config file, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub text: String,
    pub place: Place,
}

/// The longest message a config error prints, in characters (a value it quotes is clipped).
const MESSAGE: usize = 300;

/// Where in a config file something was written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Place {
    pub path: PathBuf,
    /// Byte offset in the file.
    pub offset: usize,
    /// 1-based, in characters.
    pub line: usize,
    pub column: usize,
    /// The dotted key of that line, e.g. `keys.down`.
    pub key: String,
}

impl Place {
    fn at(offset: usize) -> Place {
        Place {
            offset,
            ..Place::default()
        }
    }

    /// The place of a byte offset in the text of the file at `path`.
    pub(super) fn in_file(offset: usize, text: &str, path: &Path) -> Place {
        let (line, column) = line_column(text, offset);
        Place {
            path: path.to_path_buf(),
            offset,
            line,
            column,
            key: key_at(text, offset).unwrap_or_default(),
        }
    }

    /// Fills in the file, line, column and key of the offset.
    fn locate(&mut self, text: &str, path: &Path) {
        *self = Place::in_file(self.offset, text, path);
    }

    /// A config error at this place, as the loader reports its own.
    pub fn error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            line: self.line,
            column: self.column,
            key: if self.key.is_empty() {
                String::new()
            } else {
                format!("key `{}`: ", crate::text::clip(&self.key, crate::text::ECHO))
            },
            // Messages from serde and toml may quote a value whole, however long.
            message: crate::text::clip_middle(&message.into(), MESSAGE).into_owned(),
        }
    }
}

impl KeyBindings {
    /// Fills in the places of every name, once the whole file has been read.
    pub(super) fn locate(&mut self, text: &str, path: &Path) {
        for binding in &mut self.0 {
            binding.command.place.locate(text, path);
            binding.keys_place.locate(text, path);
        }
    }
}

impl<'de> Deserialize<'de> for KeyBindings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<Spanned<String>, Spanned<KeyNames>>::deserialize(d)?;
        let mut bindings: Vec<Binding> = map
            .into_iter()
            .map(|(command, keys)| Binding {
                command: Written {
                    place: Place::at(command.span().start),
                    text: command.into_inner(),
                },
                keys_place: Place::at(keys.span().start),
                keys: keys.into_inner().0,
            })
            .collect();
        // Document order: where one command is written twice (in two spellings), the
        // later one wins, as it always has.
        bindings.sort_by_key(|b| b.command.place.offset);
        Ok(KeyBindings(bindings))
    }
}

/// A key name or a list of key names.
struct KeyNames(Vec<String>);

impl<'de> Deserialize<'de> for KeyNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        match OneOrMany::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a key name or a list of key names, e.g. \"j\" or [\"j\", \"<Down>\"]")
        })? {
            OneOrMany::One(name) => Ok(KeyNames(vec![name])),
            OneOrMany::Many(names) => Ok(KeyNames(names)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;

    #[test]
    fn names_keep_the_line_and_column_they_were_written_at() {
        let text = "refresh_interval = \"5m\"\n[keys]\ndown = [\"n\", \"<Down>\"]\n  refresh = \"R\"\n";
        let config = Config::parse(text, Path::new("config.toml")).unwrap();
        let bindings = &config.keys.0;
        assert_eq!(bindings.len(), 2);
        let down = &bindings[0];
        assert_eq!(down.command.text, "down");
        assert_eq!((down.command.place.line, down.command.place.column), (3, 1));
        assert_eq!(down.keys, ["n", "<Down>"]);
        assert_eq!((down.keys_place.line, down.keys_place.column), (3, 8));
        let refresh = &bindings[1];
        assert_eq!(refresh.command.text, "refresh");
        assert_eq!((refresh.command.place.line, refresh.command.place.column), (4, 3));
        assert_eq!(refresh.keys, ["R"]);
        let error = refresh.command.place.error("unknown action `refresh`").to_string();
        assert_eq!(error, "config.toml:4:3: key `keys.refresh`: unknown action `refresh`");
    }
}
