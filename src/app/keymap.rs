//! Keys to commands. Every binding has a description; the help overlay is made from
//! this table, so it always shows the keys that really work.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Command;

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
    fn default() -> Self {
        use Command::*;
        let keys: &[(&str, Command)] = &[
            ("k", Up),
            ("<Up>", Up),
            ("j", Down),
            ("<Down>", Down),
            ("<PgUp>", PageUp),
            ("<C-u>", PageUp),
            ("<PgDn>", PageDown),
            ("<C-d>", PageDown),
            ("g", Top),
            ("<Home>", Top),
            ("G", Bottom),
            ("<End>", Bottom),
            ("<Enter>", Open),
            ("<Esc>", Back),
            ("/", Filter),
            ("s", SortNext),
            ("S", SortReverse),
            ("r", Refresh),
            ("f", Fix),
            ("<Tab>", NextFormat),
            ("<S-Tab>", PreviousFormat),
            ("y", Copy),
            ("w", Write),
            ("v", Raw),
            ("!", Errors),
            ("<Space>", Mark),
            ("a", MarkAll),
            ("c", ClearMarks),
            ("F", BatchFix),
            ("x", OnlyFailing),
            ("1", ClustersView),
            ("2", SubscriptionsView),
            ("3", PostureView),
            ("e", ExportJson),
            ("E", ExportCsv),
            ("u", PortalLink),
            ("?", Help),
            ("q", Quit),
            ("<C-c>", Quit),
        ];
        Keymap {
            bindings: keys
                .iter()
                .map(|(name, command)| (Key::parse(name).expect("valid default key"), *command))
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

    /// The defaults with config's `[keys]` applied: a command listed there gets exactly
    /// the keys given; a key given there leaves the command it had.
    pub fn with_bindings(bindings: &crate::config::KeyBindings) -> Keymap {
        let mut keymap = Keymap::default();
        for (command, keys) in &bindings.0 {
            keymap.unbind_command(*command);
            for key in keys {
                keymap.bind(*key, *command);
            }
        }
        keymap
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
    use super::*;

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
