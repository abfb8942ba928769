package dtls

import (
	"strconv"

	"github.com/sansrtc/rtc/rtc-dtls/internal/tls13"
)

// ContentType is the TLS record content type (RFC 5246 §6.2.1).
type ContentType uint8

// Record content types.
const (
	ContentChangeCipherSpec ContentType = 20
	ContentAlert            ContentType = 21
	ContentHandshake        ContentType = 22
	ContentApplicationData  ContentType = 23
	// ContentTLS12CID marks a DTLS 1.2 record that carries a connection
	// ID, its real content type inside the protected DTLSInnerPlaintext
	// (RFC 9146 §4).
	ContentTLS12CID ContentType = 25
)

// String returns the RFC 5246 name.
func (c ContentType) String() string {
	switch c {
	case ContentChangeCipherSpec:
		return "change_cipher_spec"
	case ContentAlert:
		return "alert"
	case ContentHandshake:
		return "handshake"
	case ContentApplicationData:
		return "application_data"
	case ContentTLS12CID:
		return "tls12_cid"
	}
	return "ContentType(" + strconv.Itoa(int(c)) + ")"
}

// HandshakeType is the handshake message type (RFC 5246 §7.4, RFC 6347 §4.3.2).
type HandshakeType uint8

// Handshake message types.
const (
	TypeHelloRequest       HandshakeType = 0
	TypeClientHello        HandshakeType = 1
	TypeServerHello        HandshakeType = 2
	TypeHelloVerifyRequest HandshakeType = 3
	TypeCertificate        HandshakeType = 11
	TypeServerKeyExchange  HandshakeType = 12
	TypeCertificateRequest HandshakeType = 13
	TypeServerHelloDone    HandshakeType = 14
	TypeCertificateVerify  HandshakeType = 15
	TypeClientKeyExchange  HandshakeType = 16
	TypeFinished           HandshakeType = 20
)

// String returns the RFC name of the message type.
func (t HandshakeType) String() string {
	switch t {
	case TypeHelloRequest:
		return "HelloRequest"
	case TypeClientHello:
		return "ClientHello"
	case TypeServerHello:
		return "ServerHello"
	case TypeHelloVerifyRequest:
		return "HelloVerifyRequest"
	case TypeCertificate:
		return "Certificate"
	case TypeServerKeyExchange:
		return "ServerKeyExchange"
	case TypeCertificateRequest:
		return "CertificateRequest"
	case TypeServerHelloDone:
		return "ServerHelloDone"
	case TypeCertificateVerify:
		return "CertificateVerify"
	case TypeClientKeyExchange:
		return "ClientKeyExchange"
	case TypeFinished:
		return "Finished"
	}
	return "HandshakeType(" + strconv.Itoa(int(t)) + ")"
}

// Protocol versions on the wire (RFC 6347 §4.1: the one's complement of the
// TLS version).
const (
	versionDTLS10 uint16 = 0xfeff
	versionDTLS12 uint16 = 0xfefd
)

// CipherSuite is a TLS cipher suite code point (IANA TLS Cipher Suites).
type CipherSuite uint16

// Cipher suites this package implements.
const (
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256       CipherSuite = 0xc02b
	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384       CipherSuite = 0xc02c
	TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256         CipherSuite = 0xc02f
	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384         CipherSuite = 0xc030
	TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 CipherSuite = 0xcca9
	TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256   CipherSuite = 0xcca8
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA          CipherSuite = 0xc009
	TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA          CipherSuite = 0xc00a
	TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA            CipherSuite = 0xc013
	TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA            CipherSuite = 0xc014
)

// scsvRenegotiation is TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
const scsvRenegotiation uint16 = 0x00ff

// String returns the IANA name of the suite.
func (s CipherSuite) String() string {
	if p := suiteParams(s); p != nil {
		return p.name
	}
	if s13 := tls13.CipherSuite(s); s13.Supported() {
		return s13.String() // a DTLS 1.3 suite (RFC 8446 §B.4)
	}
	return "CipherSuite(0x" + strconv.FormatUint(uint64(s), 16) + ")"
}

// Group is a named group for ECDHE (RFC 8422 §5.1.1, RFC 7919).
type Group uint16

// Groups this package implements.
const (
	GroupP256   Group = 23
	GroupP384   Group = 24
	GroupX25519 Group = 29
)

// String returns the IANA name of the group.
func (g Group) String() string {
	switch g {
	case GroupP256:
		return "secp256r1"
	case GroupP384:
		return "secp384r1"
	case GroupX25519:
		return "x25519"
	case GroupX25519MLKEM768:
		return "X25519MLKEM768"
	}
	return "Group(" + strconv.Itoa(int(g)) + ")"
}

// SignatureScheme is a TLS 1.2 SignatureAndHashAlgorithm pair written as one
// 16-bit code point (RFC 5246 §7.4.1.4.1, RFC 8446 §4.2.3).
type SignatureScheme uint16

// Signature schemes this package implements.
const (
	ECDSAWithP256AndSHA256 SignatureScheme = 0x0403
	ECDSAWithP384AndSHA384 SignatureScheme = 0x0503
	PSSWithSHA256          SignatureScheme = 0x0804
	PSSWithSHA384          SignatureScheme = 0x0805
	PKCS1WithSHA256        SignatureScheme = 0x0401
	PKCS1WithSHA384        SignatureScheme = 0x0501
)

// String returns the RFC 8446 name of the scheme.
func (s SignatureScheme) String() string {
	switch s {
	case ECDSAWithP256AndSHA256:
		return "ecdsa_secp256r1_sha256"
	case ECDSAWithP384AndSHA384:
		return "ecdsa_secp384r1_sha384"
	case PSSWithSHA256:
		return "rsa_pss_rsae_sha256"
	case PSSWithSHA384:
		return "rsa_pss_rsae_sha384"
	case PKCS1WithSHA256:
		return "rsa_pkcs1_sha256"
	case PKCS1WithSHA384:
		return "rsa_pkcs1_sha384"
	}
	return "SignatureScheme(0x" + strconv.FormatUint(uint64(s), 16) + ")"
}

// Extension code points (IANA TLS ExtensionType Values).
const (
	extServerName           uint16 = 0
	extSupportedGroups      uint16 = 10
	extECPointFormats       uint16 = 11
	extSignatureAlgorithms  uint16 = 13
	extUseSRTP              uint16 = 14
	extALPN                 uint16 = 16
	extExtendedMasterSecret uint16 = 23
	extRecordSizeLimit      uint16 = 28 // RFC 8449
	extConnectionID         uint16 = 54 // RFC 9146 (the draft's 53 is obsolete)
	extRenegotiationInfo    uint16 = 0xff01
)

// Client certificate types (RFC 5246 §7.4.4, RFC 8422 §5.5).
const (
	certTypeRSASign   uint8 = 1
	certTypeECDSASign uint8 = 64
)

// Curve type in ServerECDHParams (RFC 8422 §5.4).
const curveTypeNamed uint8 = 3
