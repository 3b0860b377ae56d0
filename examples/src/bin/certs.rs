//! `certs`: make and inspect SAML signing certificates with fedkit-certs.
//!
//! ```text
//! certs new --cn NAME [--org ORG] [--months 60] [--bits 2048] --key-out KEY.pem --cert-out CERT.pem
//! certs show FILE [--now RFC3339] [--warn-days 90]
//! certs sign --key KEY.pem [--alg rsa-sha256] --in FILE --out SIG
//! certs verify --cert CERT.pem [--alg rsa-sha256] [--legacy-sha1] --in FILE --sig SIG
//! ```
//!
//! Every command prints one JSON object on stdout; on failure it prints
//! `{"error": {"code", "message"}}` and exits 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use fedkit_certs::{
    Certificate, DEFAULT_WARN_DAYS, DistinguishedName, KeyKind, PrivateKey, RsaKeySize,
    SelfSignedLeaf, SignatureAlgorithm, default_provider,
};
use getrandom::rand_core::UnwrapErr;
use serde_json::{Value, json};

#[derive(Parser)]
#[command(name = "certs", about = "Make and inspect SAML signing certificates")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate an RSA key and a self-signed SAML signing certificate for it.
    New {
        /// Subject common name.
        #[arg(long)]
        cn: String,
        /// Subject organisation.
        #[arg(long)]
        org: Option<String>,
        /// Validity in months (AWS's default is 60).
        #[arg(long, default_value_t = 60)]
        months: u32,
        /// RSA key size: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 2048)]
        bits: usize,
        /// Where to write the private key (PKCS#8 PEM, mode 0600).
        #[arg(long)]
        key_out: PathBuf,
        /// Where to write the certificate (PEM).
        #[arg(long)]
        cert_out: PathBuf,
    },
    /// Print what a certificate (PEM, DER or bare base64) says, and its status.
    Show {
        /// The certificate file.
        file: PathBuf,
        /// The instant to judge validity at (RFC 3339); default: now.
        #[arg(long)]
        now: Option<String>,
        /// Days before notAfter from which the status is "expiring".
        #[arg(long, default_value_t = DEFAULT_WARN_DAYS)]
        warn_days: u32,
    },
    /// Sign a file's bytes (signature written raw; ECDSA as r || s).
    Sign {
        /// The private key (PKCS#8 or PKCS#1 PEM).
        #[arg(long)]
        key: PathBuf,
        /// rsa-sha256, rsa-sha384, rsa-sha512, rsa-pss-sha256, …, ecdsa-p256-sha256.
        #[arg(long, default_value = "rsa-sha256")]
        alg: String,
        /// The file to sign.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the signature.
        #[arg(long)]
        out: PathBuf,
    },
    /// Verify a raw signature over a file's bytes with a certificate's key.
    Verify {
        /// The certificate whose key should have signed.
        #[arg(long)]
        cert: PathBuf,
        /// The algorithm, as for `sign` (rsa-sha1 needs --legacy-sha1).
        #[arg(long, default_value = "rsa-sha256")]
        alg: String,
        /// Allow RSA-SHA1 (legacy).
        #[arg(long)]
        legacy_sha1: bool,
        /// The signed file.
        #[arg(long = "in")]
        input: PathBuf,
        /// The signature file.
        #[arg(long)]
        sig: PathBuf,
    },
}

/// A failure as the JSON contract reports it.
struct Failure {
    code: &'static str,
    message: String,
}

impl From<fedkit_certs::Error> for Failure {
    fn from(e: fedkit_certs::Error) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New {
            cn,
            org,
            months,
            bits,
            key_out,
            cert_out,
        } => new(&cn, org.as_deref(), months, bits, &key_out, &cert_out),
        Command::Show {
            file,
            now,
            warn_days,
        } => show(&file, now.as_deref(), warn_days),
        Command::Sign {
            key,
            alg,
            input,
            out,
        } => sign(&key, &alg, &input, &out),
        Command::Verify {
            cert,
            alg,
            legacy_sha1,
            input,
            sig,
        } => verify(&cert, &alg, legacy_sha1, &input, &sig),
    };
    match result {
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            println!(
                "{}",
                json!({"error": {"code": failure.code, "message": failure.message}})
            );
            ExitCode::FAILURE
        }
    }
}

fn new(
    cn: &str,
    org: Option<&str>,
    months: u32,
    bits: usize,
    key_out: &Path,
    cert_out: &Path,
) -> Result<Value, Failure> {
    let mut rng = UnwrapErr(getrandom::SysRng);
    let key = PrivateKey::generate_rsa(&mut rng, RsaKeySize::from_bits(bits)?)?;
    let mut subject = DistinguishedName::new();
    if let Some(org) = org {
        subject = subject.organization(org);
    }
    subject = subject.common_name(cn);
    let now = Utc::now();
    let cert = SelfSignedLeaf::new(subject)
        .validity_months(months)
        .build(&key, now, &mut rng)?;
    write_secret(key_out, key.to_pkcs8_pem()?.as_bytes())?;
    write_file(cert_out, cert.to_pem().as_bytes())?;
    Ok(describe(&cert, now, DEFAULT_WARN_DAYS))
}

fn show(file: &Path, now: Option<&str>, warn_days: u32) -> Result<Value, Failure> {
    let now = match now {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|e| Failure {
                code: "invalid_now",
                message: format!("--now {text:?} is not RFC 3339: {e}"),
            })?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let cert = Certificate::parse(read_file(file)?)?;
    Ok(describe(&cert, now, warn_days))
}

fn sign(key: &Path, alg: &str, input: &Path, out: &Path) -> Result<Value, Failure> {
    let alg = algorithm(alg)?;
    let pem = String::from_utf8(read_file(key)?).map_err(|_| Failure {
        code: "invalid_private_key",
        message: "the key file is not PEM text".into(),
    })?;
    let key = PrivateKey::from_pem(&pem)?;
    let message = read_file(input)?;
    let mut rng = UnwrapErr(getrandom::SysRng);
    let signature = default_provider()
        .signing_key(&key)?
        .sign(alg, &message, &mut rng)?;
    write_file(out, &signature)?;
    Ok(json!({"algorithm": alg.name(), "uri": alg.xmldsig_uri(), "bytes": signature.len()}))
}

fn verify(
    cert: &Path,
    alg: &str,
    legacy_sha1: bool,
    input: &Path,
    sig: &Path,
) -> Result<Value, Failure> {
    let alg = algorithm(alg)?;
    let cert = Certificate::parse(read_file(cert)?)?;
    let message = read_file(input)?;
    let signature = read_file(sig)?;
    let verifier = default_provider().verifying_key(cert.public_key())?;
    if legacy_sha1 && alg == SignatureAlgorithm::RsaPkcs1Sha1 {
        verifier.verify_legacy_sha1(&message, &signature)?;
    } else {
        verifier.verify(alg, &message, &signature)?;
    }
    Ok(
        json!({"verified": true, "algorithm": alg.name(), "sha256": cert.sha256_fingerprint().to_string()}),
    )
}

fn algorithm(name: &str) -> Result<SignatureAlgorithm, Failure> {
    const ALL: [SignatureAlgorithm; 8] = [
        SignatureAlgorithm::RsaPkcs1Sha1,
        SignatureAlgorithm::RsaPkcs1Sha256,
        SignatureAlgorithm::RsaPkcs1Sha384,
        SignatureAlgorithm::RsaPkcs1Sha512,
        SignatureAlgorithm::RsaPssSha256,
        SignatureAlgorithm::RsaPssSha384,
        SignatureAlgorithm::RsaPssSha512,
        SignatureAlgorithm::EcdsaP256Sha256,
    ];
    ALL.into_iter()
        .find(|alg| alg.name() == name || alg.xmldsig_uri() == name)
        .ok_or_else(|| Failure {
            code: "unsupported_algorithm",
            message: format!("unknown algorithm {name:?}"),
        })
}

/// The JSON `show` prints: the contract other tools rely on.
fn describe(cert: &Certificate, now: DateTime<Utc>, warn_days: u32) -> Value {
    let key = cert.public_key();
    json!({
        "subject": cert.subject(),
        "issuer": cert.issuer(),
        "serial": cert.serial_hex(),
        "not_before": rfc3339(cert.not_before()),
        "not_after": rfc3339(cert.not_after()),
        "key": {
            "alg": match key.kind() {
                KeyKind::Rsa => "RSA",
                KeyKind::EcP256 | KeyKind::EcP384 => "EC",
                KeyKind::Dsa => "DSA",
                // KeyKind is non-exhaustive: a kind added later shows under its own name.
                other => other.name(),
            },
            "bits": key.bits(),
        },
        "sha256": cert.sha256_fingerprint().to_string(),
        "sha1": cert.sha1_fingerprint().to_string(),
        "status": cert.status(now, warn_days).as_str(),
    })
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    // Certificates and keys are small; refuse anything huge before reading it all.
    const MAX_FILE_BYTES: u64 = 1024 * 1024;
    let io_failure = |e: std::io::Error| Failure {
        code: "file_unreadable",
        message: format!("{}: {e}", path.display()),
    };
    let len = std::fs::metadata(path).map_err(io_failure)?.len();
    if len > MAX_FILE_BYTES {
        return Err(Failure {
            code: "input_too_large",
            message: format!(
                "{}: {len} bytes, more than {MAX_FILE_BYTES}",
                path.display()
            ),
        });
    }
    std::fs::read(path).map_err(io_failure)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| write_failure(path, e))
}

/// Writes a private key readable by its owner only.
fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| write_failure(path, e))?;
    // The mode above applies only to a new file; an existing one is narrowed too.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| write_failure(path, e))?;
    file.write_all(bytes).map_err(|e| write_failure(path, e))
}

fn write_failure(path: &Path, e: std::io::Error) -> Failure {
    Failure {
        code: "file_unwritable",
        message: format!("{}: {e}", path.display()),
    }
}
