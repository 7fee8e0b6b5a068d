//! The two AWS services lee talks to from inside Lambda, without an AWS SDK (an SDK would
//! double the bootstrap and its cold start for two local HTTP/UDP exchanges):
//!
//! - [`ssm`]: a SecureString parameter (the Home Assistant token) through the AWS
//!   Parameters and Secrets Lambda Extension on localhost;
//! - [`xray`]: X-Ray subsegments for the component run and each Home Assistant call, as
//!   segment documents over UDP to the X-Ray daemon, sent after the answer.

pub mod ssm;
pub mod xray;
