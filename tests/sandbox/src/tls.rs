//! A CA generated at start-up and a server certificate it signs for every name clients may use.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::rustls;

/// Names always covered, besides `--hostname`s and the hostile names ([`crate::hostile`]):
/// loopback and WeChat Pay's real API hosts, so an unchanged integration can be pointed here
/// with `resolve` + `ca_certs`.
pub const DEFAULT_NAMES: [&str; 5] = [
    "localhost",
    "127.0.0.1",
    "::1",
    "api.mch.weixin.qq.com",
    "apihk.mch.weixin.qq.com",
];

/// The server's TLS set-ups: `api` (HTTP/2 and HTTP/1.1) for every name but the hostile ones
/// ([`crate::hostile`]), `http1` (HTTP/1.1 only) and `http2` (h2 only) for those.
#[derive(Clone)]
pub struct Configs {
    pub api: Arc<rustls::ServerConfig>,
    pub http1: Arc<rustls::ServerConfig>,
    pub http2: Arc<rustls::ServerConfig>,
}

/// The server's TLS set-ups and the CA certificate PEM clients should trust.
pub fn configs(extra_names: &[String]) -> Result<(Configs, String), String> {
    let err = |e: rcgen::Error| format!("cannot generate the sandbox TLS certificate: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.distinguished_name
        .push(DnType::CommonName, "wxpay-sandbox test CA (TEST ONLY)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut names: Vec<String> = DEFAULT_NAMES
        .iter()
        .chain(crate::hostile::HOSTILE.iter().map(|(name, _)| name))
        .map(|s| s.to_string())
        .collect();
    for n in extra_names {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    let leaf_key = KeyPair::generate().map_err(err)?;
    let mut leaf = CertificateParams::new(names).map_err(|e| format!("invalid --hostname: {e}"))?;
    leaf.distinguished_name
        .push(DnType::CommonName, "wxpay-sandbox");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(err)?;

    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone(), ca_cert.der().clone()],
            key_der,
        )
        .map_err(|e| format!("TLS set-up failed: {e}"))?;
    let mut http1 = config.clone();
    http1.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut http2 = config.clone();
    http2.alpn_protocols = vec![b"h2".to_vec()];
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((
        Configs {
            api: Arc::new(config),
            http1: Arc::new(http1),
            http2: Arc::new(http2),
        },
        ca_cert.pem(),
    ))
}
