//! The terminal: raw mode and the alternate screen on the way in, restored on every
//! way out (quit, error, panic), input read on its own thread, and OSC 52 copies.

use std::io::{self, Write};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use crossterm::event::{self, Event, KeyEventKind};
use tokio::sync::mpsc::UnboundedSender;

/// What the terminal reports.
#[derive(Debug, Clone)]
pub enum Input {
    Key(crossterm::event::KeyEvent),
    Resize,
}

/// Enters the alternate screen in raw mode. ratatui's `try_init` also installs a
/// panic hook that restores the terminal before the panic message is printed.
pub fn enter() -> io::Result<ratatui::DefaultTerminal> {
    ratatui::try_init()
}

/// Leaves the alternate screen, shows the cursor, ends raw mode.
pub fn leave() {
    ratatui::restore();
}

/// Reads terminal events on a thread of its own, so the async loop never blocks on
/// input. The thread ends when `stop` is signalled or the receiver is gone.
pub fn spawn_input(sender: UnboundedSender<Input>) -> std_mpsc::Sender<()> {
    let (stop, stopped) = std_mpsc::channel::<()>();
    std::thread::spawn(move || {
        loop {
            if stopped.try_recv().is_ok() || sender.is_closed() {
                return;
            }
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => return,
            }
            let input = match event::read() {
                Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => Input::Key(key),
                Ok(Event::Resize(..)) => Input::Resize,
                Ok(_) => continue,
                Err(_) => return,
            };
            if sender.send(input).is_err() {
                return;
            }
        }
    });
    stop
}

/// Puts `text` on the clipboard with OSC 52. Inside tmux the sequence is also sent
/// wrapped for passthrough, so it arrives whether tmux has `set-clipboard on` or
/// `allow-passthrough on`.
pub fn copy(out: &mut impl Write, text: &str, in_tmux: bool) -> io::Result<()> {
    let plain = crossterm::clipboard::CopyToClipboard::to_clipboard_from(text.as_bytes());
    crossterm::execute!(out, plain)?;
    if in_tmux {
        let mut sequence = String::new();
        crossterm::Command::write_ansi(
            &crossterm::clipboard::CopyToClipboard::to_clipboard_from(text.as_bytes()),
            &mut sequence,
        )
        .map_err(io::Error::other)?;
        // DCS passthrough: ESC P tmux; <sequence with ESC doubled> ESC \
        let wrapped = format!("\x1bPtmux;{}\x1b\\", sequence.replace('\x1b', "\x1b\x1b"));
        out.write_all(wrapped.as_bytes())?;
        out.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_an_osc52_sequence_with_the_text_in_base64() {
        let mut out = Vec::new();
        copy(&mut out, "az aks update", false).unwrap();
        let written = String::from_utf8(out).unwrap();
        assert_eq!(written, "\x1b]52;c;YXogYWtzIHVwZGF0ZQ==\x1b\\");
        let mut out = Vec::new();
        copy(&mut out, "x", true).unwrap();
        let written = String::from_utf8(out).unwrap();
        assert!(
            written.contains("\x1bPtmux;\x1b\x1b]52;c;eA==\x1b\x1b\\\x1b\\"),
            "{written:?}"
        );
    }
}
