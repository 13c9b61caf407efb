//! Keys to commands: the default keys of the command table, with config's `[keys]`
//! applied. Every binding has a description; the help overlay and the README's key
//! table are made from the key map, so they always show the keys that really work.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Command;
use crate::config::{ConfigError, KeyBindings};

/// A key with its modifiers, as config and `--keys` write it: `j`, `G`, `<Enter>`,
/// `<C-c>`, `<S-Tab>`, `<PgDn>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Key {
        // Shift is part of the character for letters and symbols.
        let modifiers = match code {
            KeyCode::Char(_) => modifiers - KeyModifiers::SHIFT,
            _ => modifiers,
        };
        Key { code, modifiers }
    }

    pub fn from_event(event: KeyEvent) -> Key {
        match event.code {
            // Terminals send Shift-Tab as BackTab, sometimes with Shift set too.
            KeyCode::BackTab => Key::new(KeyCode::BackTab, KeyModifiers::NONE),
            code => Key::new(code, event.modifiers),
        }
    }

    pub fn char(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// Reads one key name: a single character, or a name in angle brackets.
    pub fn parse(name: &str) -> Option<Key> {
        let mut chars = name.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Some(Key::char(c));
        }
        let inner = name.strip_prefix('<')?.strip_suffix('>')?;
        let (modifiers, base) = match inner.split_once('-') {
            Some((prefix, rest)) if prefix.len() == 1 && !rest.is_empty() => {
                let modifier = match prefix.to_ascii_uppercase().as_str() {
                    "C" => KeyModifiers::CONTROL,
                    "A" | "M" => KeyModifiers::ALT,
                    "S" => KeyModifiers::SHIFT,
                    _ => return None,
                };
                (modifier, rest)
            }
            _ => (KeyModifiers::NONE, inner),
        };
        let code = match base.to_ascii_lowercase().as_str() {
            "enter" | "cr" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if modifiers == KeyModifiers::SHIFT => return Some(Key::new(KeyCode::BackTab, KeyModifiers::NONE)),
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            "bs" | "backspace" => KeyCode::Backspace,
            "del" | "delete" => KeyCode::Delete,
            "lt" => KeyCode::Char('<'),
            "gt" => KeyCode::Char('>'),
            other if other.chars().count() == 1 => KeyCode::Char(base.chars().next()?),
            other => {
                let n: u8 = other.strip_prefix('f')?.parse().ok()?;
                KeyCode::F(n)
            }
        };
        Some(Key::new(code, modifiers))
    }

    /// The key as people read it in the help.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{base}")
        } else if self.modifiers.contains(KeyModifiers::ALT) {
            format!("Alt-{base}")
        } else {
            base
        }
    }
}

/// Reads a `--keys` string: characters as themselves, names in angle brackets
/// (`/prod<Enter>j<Enter>`). `<lt>` is a literal `<`.
pub fn parse_keys(text: &str) -> Result<Vec<Key>, String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && end > 1
        {
            let name = &rest[..=end];
            keys.push(Key::parse(name).ok_or_else(|| format!("unknown key name `{name}` in --keys"))?);
            rest = &rest[end + 1..];
            continue;
        }
        keys.push(Key::char(c));
        rest = &rest[c.len_utf8()..];
    }
    Ok(keys)
}

/// The bindings: which keys run which command.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Command)>,
}

impl Default for Keymap {
    /// Every command with its default keys.
    fn default() -> Self {
        Keymap {
            bindings: Command::ALL
                .into_iter()
                .flat_map(|command| {
                    command
                        .default_keys()
                        .iter()
                        .map(move |name| (Key::parse(name).expect("valid default key"), command))
                })
                .collect(),
        }
    }
}

impl Keymap {
    pub fn command(&self, key: Key) -> Option<Command> {
        self.bindings.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
    }

    /// Binds `key` to `command`, replacing what the key did before.
    pub fn bind(&mut self, key: Key, command: Command) {
        self.bindings.retain(|(k, _)| *k != key);
        self.bindings.push((key, command));
    }

    /// Removes every key of `command`, before config gives it new ones.
    pub fn unbind_command(&mut self, command: Command) {
        self.bindings.retain(|(_, c)| *c != command);
    }

    /// Gives `command` exactly these keys, taking each from whatever command had it.
    pub fn rebind(&mut self, command: Command, keys: &[Key]) {
        self.unbind_command(command);
        for key in keys {
            self.bind(*key, command);
        }
    }

    /// The defaults with config's `[keys]` applied: a command listed there gets exactly
    /// the keys given; a key given there leaves the command it had. Commands apply in
    /// the order of their names. A name that is not a command or a key is an error
    /// at its place in the config file.
    pub fn with_bindings(bindings: &KeyBindings) -> Result<Keymap, ConfigError> {
        let mut resolved = Vec::with_capacity(bindings.0.len());
        for binding in &bindings.0 {
            let written = &binding.command;
            let command = Command::by_name(&written.text).ok_or_else(|| {
                let known: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
                written.place.error(format!(
                    "unknown action `{}`; actions: {}",
                    written.text,
                    known.join(", ")
                ))
            })?;
            let keys = binding
                .keys
                .iter()
                .map(|name| {
                    Key::parse(name).ok_or_else(|| {
                        binding.keys_place.error(format!(
                            "unknown key name `{name}`; write a character (\"j\") or a name in angle brackets (\"<Enter>\", \"<C-d>\", \"<S-Tab>\", \"<PgDn>\", \"<Space>\", \"<F5>\")"
                        ))
                    })
                })
                .collect::<Result<Vec<Key>, ConfigError>>()?;
            resolved.push((command, keys));
        }
        resolved.sort_by_key(|(command, _)| command.name());
        let mut keymap = Keymap::default();
        for (command, keys) in &resolved {
            keymap.rebind(*command, keys);
        }
        Ok(keymap)
    }

    /// Every command with the labels of its keys, in `Command::ALL` order.
    pub fn help(&self) -> Vec<(String, Command)> {
        Command::ALL
            .into_iter()
            .filter_map(|command| {
                let keys: Vec<String> = self
                    .bindings
                    .iter()
                    .filter(|(_, c)| *c == command)
                    .map(|(k, _)| k.label())
                    .collect();
                (!keys.is_empty()).then(|| (keys.join(", "), command))
            })
            .collect()
    }

    /// The key table of the README, in Markdown: every command with its keys, the
    /// name `[keys]` binds and what it does, in the order of the help.
    pub fn markdown_table(&self) -> String {
        let mut out = String::from("| keys | command | does |\n|---|---|---|\n");
        for command in Command::ALL {
            let keys: Vec<String> = self
                .bindings
                .iter()
                .filter(|(_, c)| *c == command)
                .map(|(k, _)| format!("`{}`", k.label()))
                .collect();
            let keys = if keys.is_empty() {
                "(none)".to_string()
            } else {
                keys.join(" ")
            };
            let does = command.description().replace('|', "\\|");
            out.push_str(&format!("| {keys} | `{}` | {does} |\n", command.name()));
        }
        out
    }

    /// The first key of a command, for hints in the status line.
    pub fn key_of(&self, command: Command) -> Option<String> {
        self.bindings
            .iter()
            .find(|(_, c)| *c == command)
            .map(|(k, _)| k.label())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

    fn from_config(text: &str) -> Result<Keymap, String> {
        let config = Config::parse(text, Path::new("config.toml")).map_err(|e| e.to_string())?;
        Keymap::with_bindings(&config.keys).map_err(|e| e.to_string())
    }

    #[test]
    fn config_keys_replace_a_command_s_keys_and_take_a_key_from_another() {
        let keymap = from_config("[keys]\nrefresh = \"R\"\nquit = [\"r\", \"<C-q>\"]\n").unwrap();
        assert_eq!(keymap.command(Key::char('R')), Some(Command::Refresh));
        assert_eq!(keymap.command(Key::char('r')), Some(Command::Quit));
        assert_eq!(keymap.command(Key::char('q')), None, "quit lost its default keys");
        assert_eq!(keymap.key_of(Command::Quit).as_deref(), Some("r"));
        assert_eq!(
            keymap.command(Key::char('G')),
            Some(Command::Bottom),
            "the rest keep theirs"
        );
    }

    #[test]
    fn unknown_names_in_config_keys_name_the_file_line_and_key() {
        let cases = [
            (
                "[keys]\ndown = \"n\"\njump = \"J\"\n",
                "config.toml:3:1: key `keys.jump`: unknown action `jump`; actions: up, down, page-up",
            ),
            (
                "[keys]\ndown = [\"n\", \"<Nope>\"]\n",
                "config.toml:2:8: key `keys.down`: unknown key name `<Nope>`; write a character",
            ),
        ];
        for (text, want) in cases {
            let err = from_config(text).expect_err(text);
            assert!(err.starts_with(want), "{text:?} gave {err}");
        }
    }

    #[test]
    fn the_default_keys_are_valid_and_each_runs_one_command() {
        let mut seen = std::collections::HashMap::new();
        for command in Command::ALL {
            for name in command.default_keys() {
                let key = Key::parse(name).unwrap_or_else(|| panic!("{command:?}: bad default key {name}"));
                if let Some(other) = seen.insert(key, command) {
                    panic!("{name} is the default of both {other:?} and {command:?}");
                }
            }
        }
        let keymap = Keymap::default();
        for (key, command) in seen {
            assert_eq!(keymap.command(key), Some(command));
        }
    }

    #[test]
    fn key_names_read_like_the_docs() {
        let cases = [
            ("j", Key::char('j')),
            ("G", Key::char('G')),
            ("<Enter>", Key::new(KeyCode::Enter, KeyModifiers::NONE)),
            ("<esc>", Key::new(KeyCode::Esc, KeyModifiers::NONE)),
            ("<C-c>", Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            ("<S-Tab>", Key::new(KeyCode::BackTab, KeyModifiers::NONE)),
            ("<PgDn>", Key::new(KeyCode::PageDown, KeyModifiers::NONE)),
            ("<Space>", Key::char(' ')),
            ("<lt>", Key::char('<')),
            ("<F5>", Key::new(KeyCode::F(5), KeyModifiers::NONE)),
        ];
        for (name, want) in cases {
            assert_eq!(Key::parse(name), Some(want), "{name}");
        }
        for bad in ["", "<>", "<Nope>", "<X-a>", "jj"] {
            assert_eq!(Key::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn key_strings_mix_characters_and_names() {
        let keys = parse_keys("/prod<Enter>j<Enter>").unwrap();
        assert_eq!(keys.len(), 8);
        assert_eq!(keys[5], Key::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(parse_keys("k8s:<lt>1.33").unwrap().len(), 9);
        assert_eq!(parse_keys("a<b").unwrap().len(), 3, "a lone < is itself");
        assert!(parse_keys("<Nope>").unwrap_err().contains("<Nope>"));
    }

    /// The README's key table is made from the key map, so the two cannot drift.
    #[test]
    fn the_readme_key_table_is_the_one_the_key_map_makes() {
        let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
        let start = "<!-- keys: made by Keymap::markdown_table; a test checks it -->\n";
        let from = readme.find(start).expect("the key table's start marker in README.md") + start.len();
        let to = from
            + readme[from..]
                .find("<!-- end of keys -->")
                .expect("the key table's end marker");
        let want = Keymap::default().markdown_table();
        assert!(
            readme[from..to] == want,
            "README.md's key table is out of date; put this between the markers:\n{want}"
        );
    }

    #[test]
    fn the_markdown_table_lists_every_command_with_its_keys_and_name() {
        let table = Keymap::default().markdown_table();
        assert_eq!(table.lines().count(), 2 + Command::ALL.len());
        assert!(table.contains("| `q` `Ctrl-c` | `quit` | quit |"), "{table}");
        assert!(table.contains("| `k` `Up` | `up` | move up |"), "{table}");
        let mut keymap = Keymap::default();
        keymap.unbind_command(Command::Help);
        assert!(
            keymap
                .markdown_table()
                .contains("| (none) | `help` | this help (again: close it) |")
        );
    }

    #[test]
    fn shifted_letters_from_the_terminal_match_their_bindings() {
        let keymap = Keymap::default();
        let shifted_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(keymap.command(Key::from_event(shifted_g)), Some(Command::Bottom));
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(keymap.command(Key::from_event(back_tab)), Some(Command::PreviousFormat));
    }

    #[test]
    fn help_lists_every_bound_command_with_its_keys() {
        let mut keymap = Keymap::default();
        let help = keymap.help();
        assert_eq!(help.len(), Command::ALL.len());
        assert!(help.iter().any(|(keys, c)| *c == Command::Quit && keys == "q, Ctrl-c"));
        keymap.unbind_command(Command::Refresh);
        keymap.bind(Key::char('R'), Command::Refresh);
        assert!(
            keymap
                .help()
                .iter()
                .any(|(keys, c)| *c == Command::Refresh && keys == "R")
        );
        assert_eq!(keymap.command(Key::char('r')), None);
    }
}
