//! Protocol numbers as newtypes with named constants (as rustls does): an unknown value is kept
//! as it was received and prints as its number.

use core::fmt;

macro_rules! wire_number {
    ($(#[$meta:meta])* $name:ident($ty:ty) { $($(#[$cmeta:meta])* $konst:ident = $val:literal => $label:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $ty);

        impl $name {
            $($(#[$cmeta])* pub const $konst: $name = $name($val);)*

            /// The registered name of this value, if it is one this code knows.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some($label),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{}({})", n, self.0),
                    None => write!(f, "{}(unknown {})", stringify!($name), self.0),
                }
            }
        }

        impl From<$ty> for $name {
            fn from(v: $ty) -> Self {
                $name(v)
            }
        }
    };
}

wire_number! {
    /// ISAKMP payload type (RFC 2408 3.1; NAT-T numbers from RFC 3947 and its drafts).
    PayloadType(u8) {
        NONE = 0 => "NONE",
        SA = 1 => "SA",
        PROPOSAL = 2 => "PROPOSAL",
        TRANSFORM = 3 => "TRANSFORM",
        KE = 4 => "KE",
        ID = 5 => "ID",
        CERT = 6 => "CERT",
        CR = 7 => "CR",
        HASH = 8 => "HASH",
        SIG = 9 => "SIG",
        NONCE = 10 => "NONCE",
        NOTIFY = 11 => "NOTIFY",
        DELETE = 12 => "DELETE",
        VENDOR_ID = 13 => "VENDOR-ID",
        ATTRIBUTES = 14 => "ATTRIBUTES",
        NAT_D = 20 => "NAT-D",
        NAT_OA = 21 => "NAT-OA",
        NAT_D_DRAFT = 130 => "NAT-D-DRAFT",
        NAT_OA_DRAFT = 131 => "NAT-OA-DRAFT",
    }
}

wire_number! {
    /// ISAKMP exchange type (RFC 2408 3.1, RFC 2409).
    ExchangeType(u8) {
        NONE = 0 => "NONE",
        BASE = 1 => "Base",
        IDENTITY_PROTECTION = 2 => "Identity Protection",
        AUTH_ONLY = 3 => "Authentication Only",
        AGGRESSIVE = 4 => "Aggressive",
        INFORMATIONAL = 5 => "Informational",
        TRANSACTION = 6 => "Transaction",
        QUICK_MODE = 32 => "Quick Mode",
        NEW_GROUP_MODE = 33 => "New Group Mode",
    }
}

wire_number! {
    /// Notify message type (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706).
    NotifyType(u16) {
        INVALID_PAYLOAD_TYPE = 1 => "INVALID-PAYLOAD-TYPE",
        DOI_NOT_SUPPORTED = 2 => "DOI-NOT-SUPPORTED",
        SITUATION_NOT_SUPPORTED = 3 => "SITUATION-NOT-SUPPORTED",
        INVALID_COOKIE = 4 => "INVALID-COOKIE",
        INVALID_MAJOR_VERSION = 5 => "INVALID-MAJOR-VERSION",
        INVALID_MINOR_VERSION = 6 => "INVALID-MINOR-VERSION",
        INVALID_EXCHANGE_TYPE = 7 => "INVALID-EXCHANGE-TYPE",
        INVALID_FLAGS = 8 => "INVALID-FLAGS",
        INVALID_MESSAGE_ID = 9 => "INVALID-MESSAGE-ID",
        INVALID_PROTOCOL_ID = 10 => "INVALID-PROTOCOL-ID",
        INVALID_SPI = 11 => "INVALID-SPI",
        INVALID_TRANSFORM_ID = 12 => "INVALID-TRANSFORM-ID",
        ATTRIBUTES_NOT_SUPPORTED = 13 => "ATTRIBUTES-NOT-SUPPORTED",
        NO_PROPOSAL_CHOSEN = 14 => "NO-PROPOSAL-CHOSEN",
        BAD_PROPOSAL_SYNTAX = 15 => "BAD-PROPOSAL-SYNTAX",
        PAYLOAD_MALFORMED = 16 => "PAYLOAD-MALFORMED",
        INVALID_KEY_INFORMATION = 17 => "INVALID-KEY-INFORMATION",
        INVALID_ID_INFORMATION = 18 => "INVALID-ID-INFORMATION",
        INVALID_CERT_ENCODING = 19 => "INVALID-CERT-ENCODING",
        INVALID_CERTIFICATE = 20 => "INVALID-CERTIFICATE",
        CERT_TYPE_UNSUPPORTED = 21 => "CERT-TYPE-UNSUPPORTED",
        INVALID_CERT_AUTHORITY = 22 => "INVALID-CERT-AUTHORITY",
        INVALID_HASH_INFORMATION = 23 => "INVALID-HASH-INFORMATION",
        AUTHENTICATION_FAILED = 24 => "AUTHENTICATION-FAILED",
        INVALID_SIGNATURE = 25 => "INVALID-SIGNATURE",
        ADDRESS_NOTIFICATION = 26 => "ADDRESS-NOTIFICATION",
        NOTIFY_SA_LIFETIME = 27 => "NOTIFY-SA-LIFETIME",
        CERTIFICATE_UNAVAILABLE = 28 => "CERTIFICATE-UNAVAILABLE",
        UNSUPPORTED_EXCHANGE_TYPE = 29 => "UNSUPPORTED-EXCHANGE-TYPE",
        UNEQUAL_PAYLOAD_LENGTHS = 30 => "UNEQUAL-PAYLOAD-LENGTHS",
        CONNECTED = 16384 => "CONNECTED",
        RESPONDER_LIFETIME = 24576 => "RESPONDER-LIFETIME",
        REPLAY_STATUS = 24577 => "REPLAY-STATUS",
        INITIAL_CONTACT = 24578 => "INITIAL-CONTACT",
        R_U_THERE = 36136 => "R-U-THERE",
        R_U_THERE_ACK = 36137 => "R-U-THERE-ACK",
    }
}

impl NotifyType {
    /// Error types are 1..=16383 (RFC 2408 3.14.1); the rest are status types.
    pub fn is_error(self) -> bool {
        (1..16384).contains(&self.0)
    }
}

wire_number! {
    /// Protocol identifier in proposals, notifications and deletes (RFC 2407 4.4.1).
    ProtocolId(u8) {
        ISAKMP = 1 => "ISAKMP",
        AH = 2 => "AH",
        ESP = 3 => "ESP",
        IPCOMP = 4 => "IPCOMP",
    }
}

wire_number! {
    /// Identification type of the IPsec DOI (RFC 2407 4.6.2.1).
    IdType(u8) {
        IPV4_ADDR = 1 => "IPV4_ADDR",
        FQDN = 2 => "FQDN",
        USER_FQDN = 3 => "USER_FQDN",
        IPV4_ADDR_SUBNET = 4 => "IPV4_ADDR_SUBNET",
        IPV6_ADDR = 5 => "IPV6_ADDR",
        IPV6_ADDR_SUBNET = 6 => "IPV6_ADDR_SUBNET",
        IPV4_ADDR_RANGE = 7 => "IPV4_ADDR_RANGE",
        IPV6_ADDR_RANGE = 8 => "IPV6_ADDR_RANGE",
        DER_ASN1_DN = 9 => "DER_ASN1_DN",
        DER_ASN1_GN = 10 => "DER_ASN1_GN",
        KEY_ID = 11 => "KEY_ID",
    }
}

wire_number! {
    /// Domain of interpretation (RFC 2408 3.4).
    Doi(u32) {
        ISAKMP = 0 => "ISAKMP",
        IPSEC = 1 => "IPSEC",
    }
}

wire_number! {
    /// Phase-1 (ISAKMP) transform attribute class (RFC 2409 appendix A).
    IkeAttr(u16) {
        ENCRYPTION = 1 => "Encryption-Algorithm",
        HASH = 2 => "Hash-Algorithm",
        AUTH_METHOD = 3 => "Authentication-Method",
        GROUP_DESCRIPTION = 4 => "Group-Description",
        GROUP_TYPE = 5 => "Group-Type",
        GROUP_PRIME = 6 => "Group-Prime",
        GROUP_GENERATOR_ONE = 7 => "Group-Generator-One",
        GROUP_GENERATOR_TWO = 8 => "Group-Generator-Two",
        GROUP_CURVE_A = 9 => "Group-Curve-A",
        GROUP_CURVE_B = 10 => "Group-Curve-B",
        LIFE_TYPE = 11 => "Life-Type",
        LIFE_DURATION = 12 => "Life-Duration",
        PRF = 13 => "PRF",
        KEY_LENGTH = 14 => "Key-Length",
        FIELD_SIZE = 15 => "Field-Size",
        GROUP_ORDER = 16 => "Group-Order",
    }
}

wire_number! {
    /// IPsec DOI (phase-2) transform attribute class (RFC 2407 4.5, RFC 3947).
    IpsecAttr(u16) {
        SA_LIFE_TYPE = 1 => "SA-Life-Type",
        SA_LIFE_DURATION = 2 => "SA-Life-Duration",
        GROUP_DESCRIPTION = 3 => "Group-Description",
        ENCAPSULATION_MODE = 4 => "Encapsulation-Mode",
        AUTH_ALGORITHM = 5 => "Authentication-Algorithm",
        KEY_LENGTH = 6 => "Key-Length",
        KEY_ROUNDS = 7 => "Key-Rounds",
        COMPRESS_DICTIONARY_SIZE = 8 => "Compress-Dictionary-Size",
        COMPRESS_PRIVATE_ALGORITHM = 9 => "Compress-Private-Algorithm",
    }
}

wire_number! {
    /// Phase-1 encryption algorithm values (RFC 2409 appendix A, RFC 3602).
    IkeEncryption(u16) {
        DES_CBC = 1 => "DES-CBC",
        IDEA_CBC = 2 => "IDEA-CBC",
        BLOWFISH_CBC = 3 => "Blowfish-CBC",
        RC5_CBC = 4 => "RC5-R16-B64-CBC",
        TRIPLE_DES_CBC = 5 => "3DES-CBC",
        CAST_CBC = 6 => "CAST-CBC",
        AES_CBC = 7 => "AES-CBC",
    }
}

wire_number! {
    /// Phase-1 hash algorithm values (RFC 2409 appendix A, RFC 4868).
    IkeHash(u16) {
        MD5 = 1 => "MD5",
        SHA = 2 => "SHA",
        TIGER = 3 => "Tiger",
        SHA2_256 = 4 => "SHA2-256",
        SHA2_384 = 5 => "SHA2-384",
        SHA2_512 = 6 => "SHA2-512",
    }
}

wire_number! {
    /// Phase-1 authentication method values (RFC 2409 appendix A).
    AuthMethod(u16) {
        PRE_SHARED_KEY = 1 => "Pre-shared key",
        DSS_SIG = 2 => "DSS signatures",
        RSA_SIG = 3 => "RSA signatures",
        RSA_ENC = 4 => "Encryption with RSA",
        RSA_REV_ENC = 5 => "Revised encryption with RSA",
    }
}

wire_number! {
    /// Diffie-Hellman group numbers (RFC 2409, RFC 3526).
    GroupDescription(u16) {
        MODP_768 = 1 => "MODP-768",
        MODP_1024 = 2 => "MODP-1024",
        EC2N_155 = 3 => "EC2N-155",
        EC2N_185 = 4 => "EC2N-185",
        MODP_1536 = 5 => "MODP-1536",
        MODP_2048 = 14 => "MODP-2048",
        MODP_3072 = 15 => "MODP-3072",
        MODP_4096 = 16 => "MODP-4096",
        MODP_6144 = 17 => "MODP-6144",
        MODP_8192 = 18 => "MODP-8192",
    }
}

wire_number! {
    /// Life type, in both attribute sets (RFC 2409 A, RFC 2407 4.5).
    LifeType(u16) {
        SECONDS = 1 => "Seconds",
        KILOBYTES = 2 => "Kilobytes",
    }
}

wire_number! {
    /// IPsec encapsulation mode (RFC 2407 4.5, RFC 3947; 61443/61444 from the NAT-T drafts).
    EncapsulationMode(u16) {
        TUNNEL = 1 => "Tunnel",
        TRANSPORT = 2 => "Transport",
        UDP_TUNNEL = 3 => "UDP-Encapsulated-Tunnel",
        UDP_TRANSPORT = 4 => "UDP-Encapsulated-Transport",
        UDP_TUNNEL_DRAFT = 61443 => "UDP-Encapsulated-Tunnel (draft)",
        UDP_TRANSPORT_DRAFT = 61444 => "UDP-Encapsulated-Transport (draft)",
    }
}

wire_number! {
    /// IPsec authentication algorithm attribute values (RFC 2407 4.5, RFC 4868).
    IpsecAuthAlg(u16) {
        HMAC_MD5 = 1 => "HMAC-MD5",
        HMAC_SHA = 2 => "HMAC-SHA",
        DES_MAC = 3 => "DES-MAC",
        KPDK = 4 => "KPDK",
        HMAC_SHA2_256 = 5 => "HMAC-SHA2-256",
        HMAC_SHA2_384 = 6 => "HMAC-SHA2-384",
        HMAC_SHA2_512 = 7 => "HMAC-SHA2-512",
    }
}

wire_number! {
    /// ESP transform identifiers (RFC 2407 4.4.4, RFC 3602).
    EspTransformId(u8) {
        DES_IV64 = 1 => "ESP_DES_IV64",
        DES = 2 => "ESP_DES",
        TRIPLE_DES = 3 => "ESP_3DES",
        NULL = 11 => "ESP_NULL",
        AES_CBC = 12 => "ESP_AES",
    }
}

wire_number! {
    /// Phase-1 transform identifier (RFC 2407 4.4.2).
    IsakmpTransformId(u8) {
        KEY_IKE = 1 => "KEY_IKE",
    }
}
