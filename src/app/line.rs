//! A line of text being edited, the way a shell edits it: a cursor that moves by
//! character (Left, Right) and to either end (Home, End, Ctrl-A, Ctrl-E), characters
//! inserted and deleted at the cursor, Ctrl-W deleting the word before it and Ctrl-U
//! everything before it. Pure; the cursor is always on a character boundary.

/// One editing step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Insert(char),
    /// Deletes the character before the cursor.
    Backspace,
    /// Deletes the character under the cursor.
    Delete,
    Left,
    Right,
    Home,
    End,
    /// Deletes the word before the cursor, and the spaces after it (Ctrl-W).
    DeleteWord,
    /// Deletes everything before the cursor (Ctrl-U).
    DeleteToStart,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    /// A byte offset into `text`, on a character boundary.
    cursor: usize,
}

impl LineEdit {
    /// The text, with the cursor at its end.
    pub fn new(text: &str) -> LineEdit {
        LineEdit {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The text before the cursor.
    pub fn before(&self) -> &str {
        &self.text[..self.cursor]
    }

    /// Replaces the text, with the cursor at its end.
    pub fn set(&mut self, text: &str) {
        *self = LineEdit::new(text);
    }

    /// Replaces the bytes from `start` to the cursor with `with`, leaving the cursor
    /// after it (completion).
    pub fn replace_before_cursor(&mut self, start: usize, with: &str) {
        let start = start.min(self.cursor);
        if !self.text.is_char_boundary(start) {
            return;
        }
        self.text.replace_range(start..self.cursor, with);
        self.cursor = start + with.len();
    }

    fn previous(&self) -> Option<usize> {
        self.text[..self.cursor].char_indices().next_back().map(|(i, _)| i)
    }

    fn next(&self) -> Option<usize> {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
    }

    /// Applies one step. Returns whether the text changed (the cursor alone moving
    /// does not change what a filter matches).
    pub fn apply(&mut self, edit: Edit) -> bool {
        match edit {
            Edit::Insert(c) => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
                true
            }
            Edit::Backspace => match self.previous() {
                Some(at) => {
                    self.text.replace_range(at..self.cursor, "");
                    self.cursor = at;
                    true
                }
                None => false,
            },
            Edit::Delete => match self.next() {
                Some(end) => {
                    self.text.replace_range(self.cursor..end, "");
                    true
                }
                None => false,
            },
            Edit::Left => {
                self.cursor = self.previous().unwrap_or(0);
                false
            }
            Edit::Right => {
                self.cursor = self.next().unwrap_or(self.text.len());
                false
            }
            Edit::Home => {
                self.cursor = 0;
                false
            }
            Edit::End => {
                self.cursor = self.text.len();
                false
            }
            Edit::DeleteWord => {
                let before = &self.text[..self.cursor];
                let word_end = before.trim_end().len();
                let start = before[..word_end]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_whitespace())
                    .map_or(0, |(i, c)| i + c.len_utf8());
                if start == self.cursor {
                    return false;
                }
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
                true
            }
            Edit::DeleteToStart => {
                if self.cursor == 0 {
                    return false;
                }
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line as `text|rest`, the bar at the cursor.
    fn shown(line: &LineEdit) -> String {
        format!("{}|{}", line.before(), &line.text()[line.cursor()..])
    }

    #[test]
    fn edits_act_at_the_cursor_like_a_shell_line() {
        let cases: [(&str, &[Edit], &str); 9] = [
            ("sub:prod", &[Edit::Left, Edit::Left, Edit::Insert('X')], "sub:prXod"),
            ("sub:prod", &[Edit::Home, Edit::Insert('!')], "!sub:prod"),
            (
                "sub:prod",
                &[Edit::Home, Edit::Delete, Edit::End, Edit::Backspace],
                "ub:pro",
            ),
            ("a bb ccc", &[Edit::DeleteWord], "a bb "),
            ("a bb ccc  ", &[Edit::DeleteWord], "a bb "),
            (
                "a bb ccc",
                &[Edit::Left, Edit::Left, Edit::Left, Edit::DeleteWord],
                "a ccc",
            ),
            ("a bb ccc", &[Edit::Left, Edit::Left, Edit::DeleteToStart], "cc"),
            ("né", &[Edit::Left, Edit::Insert('x'), Edit::Right, Edit::Right], "nxé"),
            ("", &[Edit::Backspace, Edit::Delete, Edit::DeleteWord, Edit::Left], ""),
        ];
        for (start, edits, want) in cases {
            let mut line = LineEdit::new(start);
            for edit in edits {
                line.apply(*edit);
            }
            assert_eq!(line.text(), want, "{start:?} {edits:?} -> {}", shown(&line));
        }
    }

    #[test]
    fn only_text_changes_report_a_change() {
        let mut line = LineEdit::new("ab");
        assert!(!line.apply(Edit::Left));
        assert!(!line.apply(Edit::Home));
        assert!(!line.apply(Edit::Backspace), "nothing before the cursor");
        assert!(line.apply(Edit::Delete));
        assert_eq!(shown(&line), "|b");
        line.replace_before_cursor(0, "channel:");
        assert_eq!(shown(&line), "channel:|b");
    }
}
