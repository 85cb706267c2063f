//! Fingerprints: HMAC-SHA256 of a secret under a per-install random key kept in the keychain.
//! Equal fingerprints reveal reuse of one value across records without storing the value.

use crate::secret::Secret;
use crate::vault::{Vault, VaultError, FINGERPRINT_KEY_ACCOUNT};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

pub struct Fingerprinter {
    key: Zeroizing<Vec<u8>>,
}

impl Fingerprinter {
    /// Loads the per-install key from the vault, creating it on first use.
    pub fn load_or_create(vault: &dyn Vault) -> Result<Fingerprinter, VaultError> {
        if let Some(stored) = vault.get(FINGERPRINT_KEY_ACCOUNT)? {
            // EXPOSE: decoding our own HMAC key, not a user's secret.
            if let Ok(bytes) = hex::decode(stored.expose()) {
                if bytes.len() == 32 {
                    return Ok(Fingerprinter {
                        key: Zeroizing::new(bytes),
                    });
                }
            }
            return Err(VaultError::Platform(
                "the fingerprint key in the keychain is malformed; run `keyward doctor`".into(),
            ));
        }
        let mut bytes = Zeroizing::new(vec![0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        vault.set(FINGERPRINT_KEY_ACCOUNT, &Secret::new(hex::encode(&*bytes)))?;
        Ok(Fingerprinter { key: bytes })
    }

    #[cfg(any(test, feature = "test-support"))]
    pub fn with_key(key: [u8; 32]) -> Fingerprinter {
        Fingerprinter {
            key: Zeroizing::new(key.to_vec()),
        }
    }

    /// Hex HMAC-SHA256 of the value.
    pub fn fingerprint(&self, secret: &Secret) -> String {
        // Any key length is valid for HMAC, so this cannot fail; fall back defensively anyway.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        // EXPOSE: hashing the value; only the MAC leaves this function.
        mac.update(secret.expose().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;

    #[test]
    fn stable_per_install_and_different_across_installs() {
        let vault = MemoryVault::new();
        let a = Fingerprinter::load_or_create(&vault).unwrap();
        let again = Fingerprinter::load_or_create(&vault).unwrap();
        let s = Secret::new("phx_canary".into());
        assert_eq!(
            a.fingerprint(&s),
            again.fingerprint(&s),
            "same install, same key"
        );
        let other = Fingerprinter::load_or_create(&MemoryVault::new()).unwrap();
        assert_ne!(
            a.fingerprint(&s),
            other.fingerprint(&s),
            "installs must not share fingerprints"
        );
        assert_eq!(a.fingerprint(&s).len(), 64);
        assert!(!a.fingerprint(&s).contains("canary"));
    }
}
