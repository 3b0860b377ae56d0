//! A deterministic RNG for tests: SHA-256 in counter mode over a seed. Not for production;
//! it only makes test runs repeatable.

use sha2::{Digest, Sha256};

pub struct TestRng {
    seed: u64,
    counter: u64,
    buffer: [u8; 32],
    used: usize,
}

impl TestRng {
    pub fn new(seed: u64) -> Self {
        TestRng {
            seed,
            counter: 0,
            buffer: [0; 32],
            used: 32,
        }
    }
}

impl rand_core::TryRng for TestRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dst {
            if self.used == self.buffer.len() {
                let mut hasher = Sha256::new();
                hasher.update(self.seed.to_le_bytes());
                hasher.update(self.counter.to_le_bytes());
                self.buffer = hasher.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.buffer[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for TestRng {}
