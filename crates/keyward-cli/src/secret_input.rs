//! Reading a key value: a hidden prompt on a terminal, else standard input. Never arguments
//! or environment variables.

use keyward::inventory::MAX_SECRET_LEN;
use keyward::Secret;
use std::io::{IsTerminal, Read};
use zeroize::Zeroizing;

pub fn read_secret(prompt: &str) -> anyhow::Result<Secret> {
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(prompt)?;
        return Ok(Secret::new(value));
    }
    // Allocate once so the buffer never grows (a reallocation would leave an unzeroed copy).
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_SECRET_LEN + 2));
    std::io::stdin()
        .take(MAX_SECRET_LEN as u64 + 1)
        .read_to_end(&mut buf)?;
    if buf.len() > MAX_SECRET_LEN {
        anyhow::bail!("the value on standard input is longer than {MAX_SECRET_LEN} bytes");
    }
    let text = std::str::from_utf8(&buf)
        .map_err(|_| anyhow::anyhow!("the value on standard input is not UTF-8 text"))?;
    Ok(Secret::new(text.to_owned()))
}
