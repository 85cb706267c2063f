//! Counts the copies of secret values in another process's memory: every readable mapping of
//! `/proc/PID/maps`, read through `/proc/PID/mem`, searched for each value in every encoding a
//! copy can take (raw, UTF-16 as WebKit keeps strings, JSON-escaped, percent-encoded, hex,
//! base64 at each byte alignment).
//!
//! Keyward's processes are not dumpable (`keyward::hardening`), so reading their memory needs
//! root (`CAP_SYS_PTRACE`); the tests that use this crate run as root in `make test`.
//!
//! [`run_to_exit`] runs a command and stops it (ptrace `PTRACE_EVENT_EXIT`) when it exits,
//! after its last instruction of its own and before the kernel tears its memory down: what is
//! left in memory then is what the operation left behind.

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};

use nix::sys::ptrace;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot read the memory of process {pid}: {reason} (reading a non-dumpable process needs root)")]
    Unreadable { pid: i32, reason: String },
    #[error("cannot run the traced command: {0}")]
    Spawn(String),
    #[error("ptrace failed: {0}")]
    Trace(String),
    #[error("the traced command ended without a PTRACE_EVENT_EXIT stop ({0})")]
    NoExitStop(String),
}

/// One encoding of one value.
#[derive(Debug, Clone)]
pub struct Needle {
    pub encoding: String,
    pub bytes: Vec<u8>,
}

const B64_STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64 of whole 3-byte groups only: the part of an encoding that does not depend on the
/// bytes around the value.
fn base64_groups(bytes: &[u8], alphabet: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3 * 4);
    for g in bytes.chunks_exact(3) {
        let n = (u32::from(g[0]) << 16) | (u32::from(g[1]) << 8) | u32::from(g[2]);
        for shift in [18, 12, 6, 0] {
            out.push(alphabet[((n >> shift) & 63) as usize]);
        }
    }
    out
}

fn percent(bytes: &[u8], upper: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b);
        } else if upper {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.extend_from_slice(format!("%{b:02x}").as_bytes());
        }
    }
    out
}

/// Every encoding of `value` whose presence betrays it. Encodings that equal the raw bytes
/// (a value with nothing to escape) are left out, so each copy is counted once.
pub fn needles(value: &[u8]) -> Vec<Needle> {
    let mut out = vec![Needle {
        encoding: "raw".into(),
        bytes: value.to_vec(),
    }];
    let mut push = |encoding: String, bytes: Vec<u8>| {
        if bytes != value && !bytes.is_empty() {
            out.push(Needle { encoding, bytes });
        }
    };
    // Without its last zero byte: a copy may end where a run of memory we keep ends.
    let mut utf16: Vec<u8> = value.iter().flat_map(|&b| [b, 0]).collect();
    utf16.pop();
    push("utf16le".into(), utf16);
    // JSON encoders that escape `/` (`\/`), and those that escape everything outside
    // alphanumerics as `\u00XX` (HTML-safe encoders do it for `<>&=+`).
    push(
        "json-slash".into(),
        value
            .iter()
            .flat_map(|&b| if b == b'/' { b"\\/".to_vec() } else { vec![b] })
            .collect(),
    );
    push(
        "json-unicode".into(),
        value
            .iter()
            .flat_map(|&b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    vec![b]
                } else {
                    format!("\\u{b:04x}").into_bytes()
                }
            })
            .collect(),
    );
    push("percent".into(), percent(value, true));
    push("percent-lower".into(), percent(value, false));
    let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
    push("hex".into(), hex.clone().into_bytes());
    push("HEX".into(), hex.to_uppercase().into_bytes());
    for offset in 0..3 {
        let usable = value.len().saturating_sub(offset) / 3 * 3;
        // Shorter runs would match by chance.
        if usable < 9 {
            continue;
        }
        let part = &value[offset..offset + usable];
        push(format!("base64@{offset}"), base64_groups(part, B64_STD));
        push(format!("base64url@{offset}"), base64_groups(part, B64_URL));
    }
    out
}

const PAGE: u64 = 4096;
/// Read in pieces of this size; runs of all-zero pieces are not kept.
const PIECE: u64 = 1 << 20;
/// Mappings larger than this (WebKit reserves gigabytes it never touches) are read page by
/// page where `/proc/PID/pagemap` says a page is present or swapped.
const SPARSE: u64 = 64 << 20;

/// Reads one mapping into runs of contiguous, not-all-zero memory. False if nothing of it
/// could be read.
fn read_mapping(
    mem: &std::fs::File,
    pid: i32,
    start: u64,
    end: u64,
    out: &mut Vec<(u64, Vec<u8>)>,
) -> bool {
    let pieces: Vec<(u64, u64)> = if end - start > SPARSE {
        match present_pages(pid, start, end) {
            Some(runs) => runs,
            None => return false,
        }
    } else {
        vec![(start, end)]
    };
    let mut any = false;
    for (run_start, run_end) in pieces {
        let mut current: Option<(u64, Vec<u8>)> = None;
        let mut at = run_start;
        while at < run_end {
            let len = (run_end - at).min(PIECE);
            let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
            let ok = mem.read_exact_at(&mut buf, at).is_ok();
            any |= ok;
            if ok && buf.iter().any(|&b| b != 0) {
                match &mut current {
                    Some((_, bytes)) => bytes.extend_from_slice(&buf),
                    None => current = Some((at, buf)),
                }
            } else if let Some(run) = current.take() {
                out.push(run);
            }
            at += len;
        }
        if let Some(run) = current.take() {
            out.push(run);
        }
    }
    any
}

/// The runs of pages of [start, end) that are present in RAM or swapped, from
/// `/proc/PID/pagemap` (bit 63: present, bit 62: swapped).
fn present_pages(pid: i32, start: u64, end: u64) -> Option<Vec<(u64, u64)>> {
    let map = std::fs::File::open(format!("/proc/{pid}/pagemap")).ok()?;
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut page = start / PAGE;
    let last = end / PAGE;
    let mut entries = vec![0u8; 8 * 4096];
    while page < last {
        let count = (last - page).min(4096);
        let bytes = usize::try_from(count * 8).ok()?;
        map.read_exact_at(&mut entries[..bytes], page * 8).ok()?;
        for (i, entry) in entries[..bytes].chunks_exact(8).enumerate() {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(entry);
            let bits = u64::from_le_bytes(raw);
            if bits & (3 << 62) == 0 {
                continue;
            }
            let addr = (page + i as u64) * PAGE;
            match runs.last_mut() {
                Some((_, run_end)) if *run_end == addr => *run_end += PAGE,
                _ => runs.push((addr, addr + PAGE)),
            }
        }
        page += count;
    }
    Some(runs)
}

/// A copy of a process's readable memory.
pub struct Memory {
    pub pid: i32,
    regions: Vec<(u64, Vec<u8>)>,
    /// Mappings that could not be read (e.g. `[vvar]`), by name.
    pub skipped: Vec<String>,
}

impl Memory {
    /// Reads every readable mapping of `pid`.
    pub fn read(pid: i32) -> Result<Memory, ScanError> {
        let unreadable = |reason: String| ScanError::Unreadable { pid, reason };
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
            .map_err(|e| unreadable(format!("/proc/{pid}/maps: {e}")))?;
        let mem = std::fs::File::open(format!("/proc/{pid}/mem"))
            .map_err(|e| unreadable(format!("/proc/{pid}/mem: {e}")))?;
        let mut regions = Vec::new();
        let mut skipped = Vec::new();
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
                continue;
            };
            let name = fields.nth(3).unwrap_or("[anon]").to_owned();
            let Some((start, end)) = range.split_once('-') else {
                continue;
            };
            let (Ok(start), Ok(end)) =
                (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
            else {
                continue;
            };
            if !perms.starts_with('r') || name == "[vvar]" || name == "[vsyscall]" {
                continue;
            }
            if !read_mapping(&mem, pid, start, end, &mut regions) {
                skipped.push(name);
            }
        }
        if regions.is_empty() {
            return Err(unreadable("no mapping could be read".into()));
        }
        Ok(Memory {
            pid,
            regions,
            skipped,
        })
    }

    pub fn bytes(&self) -> usize {
        self.regions.iter().map(|(_, r)| r.len()).sum()
    }

    /// Occurrences of `needle` (non-overlapping, within runs of memory).
    pub fn count(&self, needle: &[u8]) -> usize {
        if needle.is_empty() {
            return 0;
        }
        let finder = memchr::memmem::Finder::new(needle);
        self.regions
            .iter()
            .map(|(_, r)| finder.find_iter(r).count())
            .sum()
    }

    /// Copies of `value` per encoding (only encodings found at least once, plus `raw`).
    pub fn copies(&self, value: &[u8]) -> Copies {
        let per_encoding = needles(value)
            .into_iter()
            .map(|n| (n.encoding, self.count(&n.bytes)))
            .filter(|(enc, n)| *n > 0 || enc == "raw")
            .collect();
        Copies { per_encoding }
    }
}

/// How many copies of one value, per encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copies {
    pub per_encoding: Vec<(String, usize)>,
}

impl Copies {
    pub fn total(&self) -> usize {
        self.per_encoding.iter().map(|(_, n)| n).sum()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.per_encoding
                .iter()
                .map(|(e, n)| (e.clone(), serde_json::Value::from(*n)))
                .collect(),
        )
    }
}

impl std::fmt::Display for Copies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .per_encoding
            .iter()
            .map(|(e, n)| format!("{e}: {n}"))
            .collect();
        write!(f, "{} ({})", self.total(), parts.join(", "))
    }
}

/// What [`run_to_exit`] saw.
pub struct Traced {
    /// The process's memory at its exit (after `main` returned, before teardown).
    pub memory: Memory,
    /// `/proc/PID/status` at that moment (dumpable flag, locked memory…).
    pub status: String,
    /// `/proc/PID/limits` at that moment.
    pub limits: String,
    pub exit: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// The `sh` wrapper that stops itself before `exec`ing the real program, so that the tracer
/// attaches before the program's first instruction without `pre_exec` (unsafe).
const STOP_THEN_EXEC: &str = "kill -STOP $$; exec \"$0\" \"$@\"";

/// Runs `command` under ptrace and reads its memory at the `PTRACE_EVENT_EXIT` stop.
///
/// The command's environment must be fully explicit (built with `env_clear`): only the
/// variables it sets are passed on. `stdin` is written to its standard input.
pub fn run_to_exit(command: &Command, stdin: &[u8]) -> Result<Traced, ScanError> {
    run_to_exit_with(command, stdin, |_| ()).map(|(traced, ())| traced)
}

/// [`run_to_exit`], calling `inspect(pid)` too at the exit stop (e.g. to read the owner of
/// `/proc/PID/mem`).
pub fn run_to_exit_with<T>(
    command: &Command,
    stdin: &[u8],
    mut inspect: impl FnMut(i32) -> T,
) -> Result<(Traced, T), ScanError> {
    let mut wrapped = Command::new("sh");
    wrapped
        .arg("-c")
        .arg(STOP_THEN_EXEC)
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in command.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let mut child = wrapped
        .spawn()
        .map_err(|e| ScanError::Spawn(e.to_string()))?;
    let pid =
        Pid::from_raw(i32::try_from(child.id()).map_err(|e| ScanError::Spawn(e.to_string()))?);
    let trace = |e: nix::Error| ScanError::Trace(e.to_string());

    // The shell stops itself: attach then.
    match waitpid(pid, Some(WaitPidFlag::WUNTRACED)).map_err(trace)? {
        WaitStatus::Stopped(_, Signal::SIGSTOP) => {}
        other => {
            return Err(ScanError::Spawn(format!(
                "the wrapper did not stop: {other:?}"
            )))
        }
    }
    ptrace::seize(
        pid,
        ptrace::Options::PTRACE_O_TRACEEXIT
            | ptrace::Options::PTRACE_O_TRACEEXEC
            | ptrace::Options::PTRACE_O_EXITKILL,
    )
    .map_err(trace)?;
    kill(pid, Signal::SIGCONT).map_err(trace)?;

    // Standard input and output through threads, so a full pipe never blocks the tracee.
    let input = stdin.to_vec();
    let mut child_stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(mut pipe) = child_stdin.take() {
            use std::io::Write;
            let _ = pipe.write_all(&input);
        }
    });
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );

    let mut at_exit: Option<(Memory, String, String, T)> = None;
    let mut exec_seen = false;
    let mut failure: Option<ScanError> = None;
    // Reaped here (not by `Child::wait`, which would then find no child).
    let exit = loop {
        match waitpid(pid, None).map_err(trace)? {
            WaitStatus::PtraceEvent(_, _, event)
                if event == ptrace::Event::PTRACE_EVENT_EXEC as i32 =>
            {
                exec_seen = true;
                ptrace::cont(pid, None).map_err(trace)?;
            }
            WaitStatus::PtraceEvent(_, _, event)
                if event == ptrace::Event::PTRACE_EVENT_EXIT as i32 =>
            {
                if exec_seen && at_exit.is_none() {
                    let raw = pid.as_raw();
                    match Memory::read(raw) {
                        Ok(m) => {
                            let status = std::fs::read_to_string(format!("/proc/{raw}/status"))
                                .unwrap_or_default();
                            let limits = std::fs::read_to_string(format!("/proc/{raw}/limits"))
                                .unwrap_or_default();
                            at_exit = Some((m, status, limits, inspect(raw)));
                        }
                        Err(e) => failure = Some(e),
                    }
                }
                ptrace::cont(pid, None).map_err(trace)?;
            }
            // Group-stops of a seized tracee, and signal-delivery stops: pass the signal on.
            WaitStatus::PtraceEvent(_, _, _) => {
                ptrace::cont(pid, None).map_err(trace)?;
            }
            WaitStatus::Stopped(_, sig) => {
                ptrace::cont(pid, Some(sig)).map_err(trace)?;
            }
            WaitStatus::Exited(_, code) => break ExitStatus::from_raw(code << 8),
            WaitStatus::Signaled(_, sig, _) => break ExitStatus::from_raw(sig as i32),
            _ => {}
        }
    };
    let _ = writer.join();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if let Some(e) = failure {
        return Err(e);
    }
    let (memory, status, limits, inspected) = at_exit.ok_or_else(|| {
        ScanError::NoExitStop(format!(
            "exit {exit}; stderr: {}",
            String::from_utf8_lossy(&stderr)
        ))
    })?;
    Ok((
        Traced {
            memory,
            status,
            limits,
            exit,
            stdout,
            stderr,
        },
        inspected,
    ))
}

/// What a process had done to itself by the time it exited: its core-file limit and whether
/// it was still dumpable.
#[derive(Debug)]
pub struct Hardening {
    pub exit: ExitStatus,
    /// `Max core file size` of `/proc/PID/limits`: (soft, hard).
    pub core_limit: (String, String),
    /// Whether the process was dumpable: it ran as an unprivileged user, and the kernel gives
    /// a non-dumpable process's `/proc/PID/mem` to root instead of that user.
    pub dumpable: bool,
    pub stderr: Vec<u8>,
}

/// Runs `command` as the unprivileged user `nobody` (65534, through `setpriv`) and reads its
/// hardening at its exit stop. The command's environment must be explicit (as for
/// [`run_to_exit`]).
pub fn hardening_at_exit(command: &Command) -> Result<Hardening, ScanError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    const NOBODY: u32 = 65534;
    // `nobody` may not reach the binary where it was built (a checkout under /root): run a
    // copy from a directory anyone can enter.
    let copy_dir = std::env::temp_dir().join(format!("memory-scan-{}", std::process::id()));
    let spawn = |e: std::io::Error| ScanError::Spawn(format!("copying the binary: {e}"));
    std::fs::create_dir_all(&copy_dir).map_err(spawn)?;
    std::fs::set_permissions(&copy_dir, std::fs::Permissions::from_mode(0o755)).map_err(spawn)?;
    let program = std::path::Path::new(command.get_program());
    let copy = copy_dir.join(program.file_name().unwrap_or(program.as_os_str()));
    std::fs::copy(program, &copy).map_err(spawn)?;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).map_err(spawn)?;
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&copy)
        .args(command.get_args())
        .env_clear();
    for (k, v) in command.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(d) = command.get_current_dir() {
        wrapped.current_dir(d);
    }
    let result = run_to_exit_with(&wrapped, b"", |pid| {
        std::fs::metadata(format!("/proc/{pid}/mem")).map(|m| m.uid())
    });
    let _ = std::fs::remove_dir_all(&copy_dir);
    let (traced, owner) = result?;
    let owner = owner.map_err(|e| ScanError::Trace(format!("/proc/PID/mem: {e}")))?;
    let core = traced
        .limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(|l| {
            l.split_whitespace()
                .skip(4)
                .take(2)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Ok(Hardening {
        exit: traced.exit,
        core_limit: (
            core.first().cloned().unwrap_or_default(),
            core.get(1).cloned().unwrap_or_default(),
        ),
        dumpable: owner == NOBODY,
        stderr: traced.stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_of_a_value_with_characters_to_escape() {
        let n = needles(b"ab/c+d=e_f0123456789");
        let find = |e: &str| {
            n.iter()
                .find(|x| x.encoding == e)
                .map(|x| String::from_utf8_lossy(&x.bytes).into_owned())
        };
        assert_eq!(
            find("json-slash").as_deref(),
            Some("ab\\/c+d=e_f0123456789")
        );
        assert_eq!(
            find("percent").as_deref(),
            Some("ab%2Fc%2Bd%3De_f0123456789")
        );
        assert_eq!(
            find("percent-lower").as_deref(),
            Some("ab%2fc%2bd%3de_f0123456789")
        );
        assert!(find("base64@0").is_some());
        assert!(find("base64@2").is_some());
        // Nothing to escape: the raw needle only, no duplicate.
        let plain = needles(b"abcdefghijkl");
        assert!(!plain.iter().any(|x| x.encoding == "json-slash"));
    }

    #[test]
    fn base64_needles_match_an_encoding_at_any_alignment() {
        let value = b"kw-canary-0123456789/+=";
        for prefix in [&b""[..], b"x", b"xy", b"user:"] {
            let mut whole = prefix.to_vec();
            whole.extend_from_slice(value);
            whole.extend_from_slice(b"-tail");
            let encoded = base64_groups(&whole, B64_STD);
            let found = needles(value)
                .into_iter()
                .filter(|n| n.encoding.starts_with("base64@"))
                .any(|n| memchr::memmem::find(&encoded, &n.bytes).is_some());
            assert!(found, "prefix {prefix:?}");
        }
    }

    #[test]
    fn reads_its_own_process_memory() {
        let kept = String::from("kw-control-value-kept-on-purpose-4d1c");
        let memory = Memory::read(i32::try_from(std::process::id()).unwrap_or(0)).unwrap();
        assert!(memory.count(kept.as_bytes()) >= 1);
        assert!(memory.bytes() > 0);
        drop(kept);
    }
}

#[cfg(test)]
mod trace_tests {
    use super::*;

    #[test]
    fn stops_a_program_at_its_exit_and_reads_its_memory() {
        let mut c = Command::new("sh");
        c.args(["-c", "X=kw-in-the-shell-memory-77aa; echo $X"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin");
        let t = run_to_exit(&c, b"").unwrap();
        assert!(t.exit.success());
        assert!(t.memory.count(b"kw-in-the-shell-memory-77aa") >= 1);
    }
}
