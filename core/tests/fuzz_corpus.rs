//! The short fuzz run of `make test`: every committed corpus input of every cargo-fuzz target
//! (fuzz/corpus/<target>/), then a few thousand deterministic mutations of them, through the
//! same entry points the fuzzers use (wxpay::fuzzing). The long runs are `make fuzz`.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("verify_response", wxpay::fuzzing::verify_response),
    ("uri_template", wxpay::fuzzing::uri_template),
    ("options", wxpay::fuzzing::options),
    ("config", wxpay::fuzzing::config),
    ("notification", wxpay::fuzzing::notification),
];

const MUTATIONS_PER_TARGET: usize = 3000;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[&[u8]] = &[
    b"/",
    b"..",
    b"%",
    b"%2e",
    b"{",
    b"}",
    b"\\",
    b"?",
    b"#",
    b":",
    b"//",
    b"\n",
    b"\0",
    b"\xff",
    b"\"",
    b"-----BEGIN ",
    b"-----END ",
    b"PRIVATE KEY-----",
    b"CERTIFICATE-----",
    b"{\"a\":",
    b"[]",
    b"null",
    b"1e999",
    b"-1",
    b"\xe8\xae\xa2",
    b"WECHATPAY/SIGNTEST/",
];

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.remove(i);
            }
            2 => {
                let i = rng.below(v.len() + 1);
                let tok = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(i..i, tok.iter().copied());
            }
            3 if !other.is_empty() => {
                let (a, b) = (rng.below(v.len() + 1), rng.below(other.len()));
                v.truncate(a);
                v.extend_from_slice(&other[b..]);
            }
            4 if v.len() > 1 => {
                let i = rng.below(v.len());
                v.truncate(i);
            }
            _ => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
        }
    }
    v
}

#[test]
fn corpus_and_mutations_never_panic_or_break_invariants() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        assert!(!corpus.is_empty(), "{name}: empty corpus");
        corpus.sort();
        for input in &corpus {
            target(input);
        }
        for _ in 0..MUTATIONS_PER_TARGET {
            let a = &corpus[rng.below(corpus.len())];
            let b = &corpus[rng.below(corpus.len())];
            let input = mutate(&mut rng, a, b);
            let result = std::panic::catch_unwind(|| target(&input));
            assert!(
                result.is_ok(),
                "{name}: input {:?} broke an invariant (add it to fuzz/corpus/{name}/ to keep it)",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

/// The crate embeds its own copy of the platform public key (core/testdata/README.md) so that it
/// packages on its own; it must stay the fixture's.
#[test]
fn the_embedded_platform_key_is_the_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = std::fs::read(root.join("testdata/platform_pub.pem")).unwrap();
    let fixture = std::fs::read(root.join("../tests/fixtures/platform_pub.pem")).unwrap();
    assert!(
        copy == fixture,
        "core/testdata/platform_pub.pem differs from tests/fixtures/platform_pub.pem"
    );
}
