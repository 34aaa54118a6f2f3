//! Reading a new admin password: prompted without echo (twice) on a terminal; otherwise the
//! first line of standard input, so scripts and tests can pipe it. Never printed or logged.

use std::io::{BufRead, IsTerminal, Stdin, Write};
use std::os::fd::{AsFd, BorrowedFd};

use anyhow::{Context, bail};
use rustix::termios::{LocalModes, OptionalActions, Termios, tcgetattr, tcsetattr};

/// The password the operator gives, read from the terminal or from standard input.
pub(super) fn new_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return first_line(&mut stdin.lock());
    }
    let first = prompt_hidden(&stdin, "New admin password: ")?;
    let again = prompt_hidden(&stdin, "Repeat the password: ")?;
    if first != again {
        bail!("the two passwords differ; nothing changed");
    }
    Ok(first)
}

/// The first line without its line ending; an empty input is refused.
fn first_line(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    if line.is_empty() {
        bail!("no password given: type it at the prompt or pipe it as the first line of stdin");
    }
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(password.to_owned())
}

fn prompt_hidden(stdin: &Stdin, prompt: &str) -> anyhow::Result<String> {
    let mut stderr = std::io::stderr();
    write!(stderr, "{prompt}")?;
    stderr.flush()?;
    let line = {
        let _quiet = EchoOff::on(stdin.as_fd()).context("turning the terminal's echo off")?;
        first_line(&mut stdin.lock())
    };
    // The Enter key was not echoed either.
    writeln!(stderr)?;
    line
}

/// Terminal echo off for as long as it lives; the saved settings come back on drop, also
/// when reading fails.
struct EchoOff<'a> {
    fd: BorrowedFd<'a>,
    saved: Termios,
}

impl<'a> EchoOff<'a> {
    fn on(fd: BorrowedFd<'a>) -> std::io::Result<Self> {
        let saved = tcgetattr(fd)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        tcsetattr(fd, OptionalActions::Now, &quiet)?;
        Ok(Self { fd, saved })
    }
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.fd, OptionalActions::Now, &self.saved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_line_is_the_password() {
        let read = |text: &str| first_line(&mut text.as_bytes()).ok();
        assert_eq!(
            read("s3cret pass\nsecond\n").as_deref(),
            Some("s3cret pass")
        );
        assert_eq!(read("windows\r\n").as_deref(), Some("windows"));
        assert_eq!(read("no newline").as_deref(), Some("no newline"));
        assert_eq!(read(""), None, "no input at all is refused");
    }
}
