//! TLS for Home Assistant (REST and websocket alike) and for the components' outbound
//! HTTP: Mozilla's roots compiled in (nothing is read from disk at cold start), an
//! optional extra CA (`HOME_ASSISTANT_CA_FILE`), or one pinned leaf certificate
//! (`HOME_ASSISTANT_CERT_SHA256`, for a self-signed Home Assistant); no verification
//! only when the operator explicitly turned it off, and then a warning says so.
//! A client certificate (`HOME_ASSISTANT_CLIENT_CERT`/`_KEY`, PEM) is presented to a Home
//! Assistant behind mutual TLS (a Cloudflare Access mTLS rule, an nginx `ssl_verify_client`
//! proxy); the components' outbound HTTP never gets it.
//! Also: why a certificate was rejected, in words an operator can act on.

use std::sync::Arc;

use rustls::client::WantsClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls::{ClientConfig, ConfigBuilder};
use sha2::{Digest, Sha256};

use crate::settings::Settings;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the rustls config for Home Assistant from the settings.
pub fn tls_config(settings: &Settings) -> anyhow::Result<ClientConfig> {
    let builder = if !settings.verify_tls {
        tracing::warn!(
            "TLS verification of Home Assistant is OFF (HOME_ASSISTANT_VERIFY_SSL=false or \
             NOT_VERIFY_SSL=true): anyone on the path can read the token; prefer \
             HOME_ASSISTANT_CERT_SHA256 for a self-signed certificate"
        );
        custom(Accept::Any)?
    } else if let Some(pin) = settings.cert_sha256 {
        custom(Accept::Pinned(pin))?
    } else {
        verified_builder(settings.ca_file.as_deref())?
    };
    match (&settings.client_cert, &settings.client_key) {
        (Some(cert), Some(key)) => {
            let (chain, key) = client_identity(cert, key)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                anyhow::anyhow!(
                    "HOME_ASSISTANT_CLIENT_KEY {} does not go with the certificate in {}: {e}",
                    key_shown(settings),
                    cert.display()
                )
            })
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

fn key_shown(settings: &Settings) -> String {
    settings
        .client_key
        .as_ref()
        .map(|k| k.display().to_string())
        .unwrap_or_default()
}

/// The client certificate chain and key from their PEM files (any key form rustls reads:
/// PKCS#8, PKCS#1 RSA, SEC1 EC). Errors name the file, never the key.
pub fn client_identity(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> anyhow::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let pem = std::fs::read(cert).map_err(|e| {
        anyhow::anyhow!(
            "cannot read HOME_ASSISTANT_CLIENT_CERT {}: {e}",
            cert.display()
        )
    })?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            anyhow::anyhow!(
                "HOME_ASSISTANT_CLIENT_CERT {} is not PEM: {e:?}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        anyhow::bail!(
            "HOME_ASSISTANT_CLIENT_CERT {} holds no CERTIFICATE block",
            cert.display()
        );
    }
    let pem = std::fs::read(key).map_err(|e| {
        anyhow::anyhow!(
            "cannot read HOME_ASSISTANT_CLIENT_KEY {}: {e}",
            key.display()
        )
    })?;
    let key_der = PrivateKeyDer::from_pem_slice(&pem).map_err(|_| {
        anyhow::anyhow!(
            "HOME_ASSISTANT_CLIENT_KEY {} holds no private key in PEM (PRIVATE KEY, RSA PRIVATE \
             KEY or EC PRIVATE KEY)",
            key.display()
        )
    })?;
    Ok((chain, key_der))
}

fn custom(accept: Accept) -> anyhow::Result<ConfigBuilder<ClientConfig, WantsClientCert>> {
    let provider = provider();
    let verifier = Arc::new(CustomVerifier {
        accept,
        provider: provider.clone(),
    });
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier))
}

/// A verifying rustls config: Mozilla's roots plus an optional extra CA (PEM). The CA
/// must be a CA: a self-signed server certificate used as its own CA is refused by
/// rustls (`CaUsedAsEndEntity`); pin such a certificate instead.
pub fn verified_tls_config(ca_file: Option<&std::path::Path>) -> anyhow::Result<ClientConfig> {
    Ok(verified_builder(ca_file)?.with_no_client_auth())
}

fn verified_builder(
    ca_file: Option<&std::path::Path>,
) -> anyhow::Result<ConfigBuilder<ClientConfig, WantsClientCert>> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read CA file {}: {e}", path.display()))?;
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert =
                cert.map_err(|e| anyhow::anyhow!("CA file {} is not PEM: {e:?}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| anyhow::anyhow!("CA file {}: {e}", path.display()))?;
        }
    }
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots))
}

/// Why a connection failed on the certificate, if it did: walks the error's sources
/// (reqwest and tungstenite wrap rustls' error in `io::Error`s).
pub fn rejected_certificate(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(rustls::Error::InvalidCertificate(reason)) = e.downcast_ref::<rustls::Error>() {
            return Some(explain(reason));
        }
        // `io::Error::source()` skips the error it wraps (it returns that error's own
        // source), and rustls' error sits inside nested io::Errors: step into it.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            current = Some(inner);
            continue;
        }
        current = e.source();
    }
    None
}

/// Whether the server refused the handshake over lee's client certificate (none sent, or
/// one it does not accept), and what to do about it.
pub fn refused_client_certificate(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::AlertDescription as A;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(rustls::Error::AlertReceived(alert)) = e.downcast_ref::<rustls::Error>() {
            return match alert {
                A::CertificateRequired | A::HandshakeFailure => Some(format!(
                    "the TLS server asked for a client certificate ({alert:?}): set \
                     HOME_ASSISTANT_CLIENT_CERT and HOME_ASSISTANT_CLIENT_KEY"
                )),
                A::BadCertificate
                | A::UnknownCA
                | A::CertificateUnknown
                | A::CertificateExpired
                | A::CertificateRevoked
                | A::UnsupportedCertificate
                | A::AccessDenied => Some(format!(
                    "the TLS server refused lee's client certificate ({alert:?}): check \
                     HOME_ASSISTANT_CLIENT_CERT is issued by the CA the server trusts and valid"
                )),
                _ => None,
            };
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            current = Some(inner);
            continue;
        }
        current = e.source();
    }
    None
}

fn explain(reason: &CertificateError) -> String {
    match reason {
        CertificateError::UnknownIssuer => {
            "it is not signed by a trusted CA (for your own CA set HOME_ASSISTANT_CA_FILE)".into()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "it has expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet (is the clock right?)".into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "it is not issued for the host name in HOME_ASSISTANT_URL".into()
        }
        CertificateError::BadSignature => "its signature is invalid".into(),
        CertificateError::Revoked => "it has been revoked".into(),
        other => {
            let text = format!("{other:?}");
            if text.contains("CaUsedAsEndEntity") {
                "it is a CA certificate used as the server's own (typical of a self-signed \
                 certificate): pin it with HOME_ASSISTANT_CERT_SHA256, or serve a leaf \
                 certificate issued by that CA"
                    .into()
            } else {
                text
            }
        }
    }
}

/// Which server certificate a [`CustomVerifier`] accepts.
#[derive(Debug)]
enum Accept {
    /// Exactly the certificate whose DER encoding has this sha256.
    Pinned([u8; 32]),
    /// Any (HOME_ASSISTANT_VERIFY_SSL=false / NOT_VERIFY_SSL only).
    Any,
}

/// Replaces chain verification by a pin (or by nothing); the handshake signatures are
/// still verified against the presented certificate's key.
#[derive(Debug)]
struct CustomVerifier {
    accept: Accept,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

#[derive(Debug)]
struct PinMismatch(String);

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PinMismatch {}

impl ServerCertVerifier for CustomVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Accept::Pinned(pin) = &self.accept else {
            return Ok(ServerCertVerified::assertion());
        };
        let actual: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if &actual == pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(PinMismatch(format!(
                    "its sha256 is {}, not the pinned HOME_ASSISTANT_CERT_SHA256",
                    hex::encode(actual)
                )))),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
