//! Object identifiers used by ICAO 9303 chip data, X.509 and CMS.

use crate::der::ObjectId;

pub const SHA256: ObjectId = ObjectId::new(&[2, 16, 840, 1, 101, 3, 4, 2, 1]);
pub const SHA384: ObjectId = ObjectId::new(&[2, 16, 840, 1, 101, 3, 4, 2, 2]);
pub const SHA512: ObjectId = ObjectId::new(&[2, 16, 840, 1, 101, 3, 4, 2, 3]);

pub const EC_PUBLIC_KEY: ObjectId = ObjectId::new(&[1, 2, 840, 10045, 2, 1]);
pub const PRIME_FIELD: ObjectId = ObjectId::new(&[1, 2, 840, 10045, 1, 1]);
pub const SECP256R1: ObjectId = ObjectId::new(&[1, 2, 840, 10045, 3, 1, 7]);
pub const SECP384R1: ObjectId = ObjectId::new(&[1, 3, 132, 0, 34]);
pub const SECP521R1: ObjectId = ObjectId::new(&[1, 3, 132, 0, 35]);
pub const ECDSA_SHA256: ObjectId = ObjectId::new(&[1, 2, 840, 10045, 4, 3, 2]);
pub const ECDSA_SHA384: ObjectId = ObjectId::new(&[1, 2, 840, 10045, 4, 3, 3]);
pub const ECDSA_SHA512: ObjectId = ObjectId::new(&[1, 2, 840, 10045, 4, 3, 4]);
/// BSI TR-03111 ecdsa-plain-SHA256: plain `r || s` signatures (Active Authentication).
pub const ECDSA_PLAIN_SHA256: ObjectId = ObjectId::new(&[0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3]);
pub const ECDSA_PLAIN_SHA384: ObjectId = ObjectId::new(&[0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4]);
pub const ECDSA_PLAIN_SHA512: ObjectId = ObjectId::new(&[0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 5]);

pub const RSA_ENCRYPTION: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 1, 1]);
pub const MGF1: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 1, 8]);
pub const RSASSA_PSS: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 1, 10]);
pub const SHA256_RSA: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 1, 11]);
pub const SHA384_RSA: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 1, 12]);
pub const SHA512_RSA: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 1, 13]);

pub const SIGNED_DATA: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 7, 2]);
pub const ATTR_CONTENT_TYPE: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 9, 3]);
pub const ATTR_MESSAGE_DIGEST: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 9, 4]);
pub const ATTR_SIGNING_TIME: ObjectId = ObjectId::new(&[1, 2, 840, 113549, 1, 9, 5]);

/// id-icao-mrtd-security-ldsSecurityObject.
pub const LDS_SECURITY_OBJECT: ObjectId = ObjectId::new(&[2, 23, 136, 1, 1, 1]);
/// id-icao-mrtd-security-aaProtocolObject (ActiveAuthenticationInfo in DG14).
pub const AA_PROTOCOL: ObjectId = ObjectId::new(&[2, 23, 136, 1, 1, 5]);
/// id-icao-mrtd-security-extensions-documentTypeList.
pub const DOCUMENT_TYPE_LIST: ObjectId = ObjectId::new(&[2, 23, 136, 1, 1, 6, 2]);
/// ISO/IEC 10646-1 UTF-8 encoding level identifier (Vietnamese DG13).
pub const UTF8_ENCODING: ObjectId = ObjectId::new(&[1, 0, 10646, 1, 0, 8]);

pub const AT_COMMON_NAME: ObjectId = ObjectId::new(&[2, 5, 4, 3]);
pub const AT_SERIAL_NUMBER: ObjectId = ObjectId::new(&[2, 5, 4, 5]);
pub const AT_COUNTRY: ObjectId = ObjectId::new(&[2, 5, 4, 6]);
pub const AT_ORGANIZATION: ObjectId = ObjectId::new(&[2, 5, 4, 10]);
pub const AT_ORGANIZATIONAL_UNIT: ObjectId = ObjectId::new(&[2, 5, 4, 11]);

pub const EXT_SUBJECT_KEY_ID: ObjectId = ObjectId::new(&[2, 5, 29, 14]);
pub const EXT_KEY_USAGE: ObjectId = ObjectId::new(&[2, 5, 29, 15]);
pub const EXT_PRIVATE_KEY_USAGE_PERIOD: ObjectId = ObjectId::new(&[2, 5, 29, 16]);
pub const EXT_SUBJECT_ALT_NAME: ObjectId = ObjectId::new(&[2, 5, 29, 17]);
pub const EXT_ISSUER_ALT_NAME: ObjectId = ObjectId::new(&[2, 5, 29, 18]);
pub const EXT_BASIC_CONSTRAINTS: ObjectId = ObjectId::new(&[2, 5, 29, 19]);
pub const EXT_CRL_NUMBER: ObjectId = ObjectId::new(&[2, 5, 29, 20]);
pub const EXT_CRL_DISTRIBUTION_POINTS: ObjectId = ObjectId::new(&[2, 5, 29, 31]);
pub const EXT_CERTIFICATE_POLICIES: ObjectId = ObjectId::new(&[2, 5, 29, 32]);
pub const EXT_AUTHORITY_KEY_ID: ObjectId = ObjectId::new(&[2, 5, 29, 35]);
pub const EXT_EXTENDED_KEY_USAGE: ObjectId = ObjectId::new(&[2, 5, 29, 37]);
