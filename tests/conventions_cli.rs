//! The conventions of a Rust command-line tool, through the binary: completion
//! scripts and a man page made from the clap definitions, and flags refused by the
//! commands that would ignore them.

use std::process::Command;

fn aksradar() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aksradar"))
}

#[test]
fn completions_for_every_shell_name_the_commands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef aksradar"),
        ("fish", "complete -c aksradar"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = aksradar().args(["completions", shell]).output().unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        for command in ["demo", "scan", "remediate", "simulate", "completions"] {
            assert!(script.contains(command), "{shell} completes {command}");
        }
    }
    let out = aksradar().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let out = aksradar().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH aksradar"), "{page}");
    for command in ["demo", "scan", "remediate", "simulate", "info", "completions", "man"] {
        assert!(page.contains(command), "{command} in the man page");
    }
}

#[test]
fn flags_a_command_ignores_are_usage_errors() {
    for args in [
        &["scan", "--render", "80x24"][..],
        &["simulate", "--render", "80x24"],
        &["--render", "80x24", "scan"],
        &["simulate", "--endpoint", "http://127.0.0.1:1"],
    ] {
        let out = aksradar().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?} was accepted");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
}
