//! Certificates for the TLS fault tests, generated with rcgen when a test runs (a
//! dev-dependency, so this file is shared by the fault suite and the fault table rather
//! than living in the support library): a self-signed leaf, as a home server's own
//! certificate usually is, and a self-signed CA certificate used as the server's own,
//! which a CA file cannot make trusted.

use lee_e2e::tls_server::TlsIdentity;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

fn generate(ca: bool) -> TlsIdentity {
    let key = KeyPair::generate().expect("key pair");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("certificate parameters");
    params
        .distinguished_name
        .push(DnType::CommonName, "lee fault test");
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let cert = params.self_signed(&key).expect("self-signed certificate");
    TlsIdentity {
        cert_der: cert.der().to_vec(),
        cert_pem: cert.pem(),
        key_der: key.serialize_der(),
    }
}

/// A self-signed leaf certificate for 127.0.0.1 (not a CA).
pub fn self_signed_leaf() -> TlsIdentity {
    generate(false)
}

/// A self-signed CA certificate for 127.0.0.1, served as the server's own certificate.
pub fn self_signed_ca_as_leaf() -> TlsIdentity {
    generate(true)
}
