//! `memory-scan PID`: reads `{"label": "value", …}` (JSON) on standard input and prints, as
//! JSON, how many copies of each value the process PID holds in memory, per encoding. The
//! end-to-end tests use it on the desktop app and its WebKit processes.

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(pid) = std::env::args().nth(1).and_then(|a| a.parse::<i32>().ok()) else {
        eprintln!("usage: memory-scan PID  (values as a JSON object on stdin)");
        return ExitCode::from(2);
    };
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("memory-scan: reading stdin: {e}");
        return ExitCode::from(2);
    }
    let values: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(&input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("memory-scan: stdin must be a JSON object of strings: {e}");
            return ExitCode::from(2);
        }
    };
    let memory = match memory_scan::Memory::read(pid) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("memory-scan: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = serde_json::Map::new();
    for (label, value) in &values {
        if let Some(v) = value.as_str() {
            out.insert(label.clone(), memory.copies(v.as_bytes()).to_json());
        }
    }
    out.insert("_bytes".into(), memory.bytes().into());
    println!("{}", serde_json::Value::Object(out));
    ExitCode::SUCCESS
}
