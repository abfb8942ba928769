package tls13

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// EncryptedExtensions (RFC 8446 §4.3.1): Extension extensions<0..2^16-1>.
// In WebRTC it carries the server's use_srtp answer (RFC 5764 §4.1.1): the
// extension table of RFC 8446 §4.2 allows use_srtp in ClientHello and
// EncryptedExtensions only, since a 1.3 ServerHello carries only what key
// establishment needs.
type EncryptedExtensions struct{ Ext Extensions }

// ParseEncryptedExtensions parses the body.
func ParseEncryptedExtensions(b []byte) (*EncryptedExtensions, error) {
	c := shared.NewCursor(b)
	ext, err := parseExtensions(&c, ctxEncryptedExtensions, "EncryptedExtensions")
	if err != nil {
		return nil, err
	}
	if !c.Empty() {
		return nil, decodeErr("EncryptedExtensions", &c, shared.ErrTrailingBytes)
	}
	// RFC 8446 §4.2: key_share, supported_versions and cookie are not
	// allowed here; "the recipient MUST abort the handshake with an
	// 'illegal_parameter' alert".
	for _, t := range []ExtensionType{ExtKeyShare, ExtSupportedVersions, ExtCookie, ExtSignatureAlgorithms, ExtPSKKeyExchangeModes} {
		if ext.Has(t) {
			return nil, illegal("EncryptedExtensions", &c, errors.New("extension not allowed here"))
		}
	}
	return &EncryptedExtensions{Ext: ext}, nil
}

// Append appends the body.
func (m *EncryptedExtensions) Append(dst []byte) ([]byte, error) {
	b := shared.NewBuilder(dst)
	appendExtensions(&b, &m.Ext, ctxEncryptedExtensions)
	return b.Bytes()
}

// CertificateRequest (RFC 8446 §4.3.2): WebRTC servers ask the client for its
// certificate, whose fingerprint the SDP pins.
//
//	struct {
//	    opaque certificate_request_context<0..2^8-1>;
//	    Extension extensions<2..2^16-1>;
//	} CertificateRequest;
type CertificateRequest struct {
	Context []byte
	Ext     Extensions
}

// ParseCertificateRequest parses the body. signature_algorithms "MUST be
// specified" (RFC 8446 §4.3.2); its absence is a missing_extension alert,
// reported here as illegal_parameter.
func ParseCertificateRequest(b []byte) (*CertificateRequest, error) {
	const typ = "CertificateRequest"
	c := shared.NewCursor(b)
	var ctx shared.Cursor
	if !c.ReadUint8LengthPrefixed(&ctx) {
		return nil, decodeErr(typ, &c, shared.ErrTruncated)
	}
	ext, err := parseExtensions(&c, ctxCertificateRequest, typ)
	if err != nil {
		return nil, err
	}
	if !c.Empty() {
		return nil, decodeErr(typ, &c, shared.ErrTrailingBytes)
	}
	if len(ext.Schemes) == 0 {
		return nil, illegal(typ, &c, errors.New("no signature_algorithms"))
	}
	return &CertificateRequest{Context: ctx.Rest(), Ext: ext}, nil
}

// Append appends the body.
func (m *CertificateRequest) Append(dst []byte) ([]byte, error) {
	b := shared.NewBuilder(dst)
	l := b.BeginUint8Length()
	b.AddBytes(m.Context)
	b.EndUint8Length(l)
	appendExtensions(&b, &m.Ext, ctxCertificateRequest)
	return b.Bytes()
}

// CertificateEntry is one certificate with its extensions (RFC 8446 §4.4.2),
// both aliasing the input when parsed.
type CertificateEntry struct {
	Data       []byte // DER X.509
	Extensions []byte // the raw extension block content (OCSP, SCT): unused
}

// Certificate (RFC 8446 §4.4.2):
//
//	struct {
//	    opaque certificate_request_context<0..2^8-1>;
//	    CertificateEntry certificate_list<0..2^24-1>;
//	} Certificate;
//
//	struct {
//	    opaque cert_data<1..2^24-1>;
//	    Extension extensions<0..2^16-1>;
//	} CertificateEntry;
type Certificate struct {
	Context []byte
	Entries []CertificateEntry
}

// maxCertEntries bounds the chain; WebRTC sends one self-signed certificate.
const maxCertEntries = 8

// ParseCertificate parses the body.
func ParseCertificate(b []byte) (*Certificate, error) {
	const typ = "Certificate"
	c := shared.NewCursor(b)
	var ctx, list shared.Cursor
	if !c.ReadUint8LengthPrefixed(&ctx) || !c.ReadUint24LengthPrefixed(&list) {
		return nil, decodeErr(typ, &c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return nil, decodeErr(typ, &c, shared.ErrTrailingBytes)
	}
	m := &Certificate{Context: ctx.Rest()}
	for !list.Empty() {
		var data, ext shared.Cursor
		if !list.ReadUint24LengthPrefixed(&data) || data.Empty() || !list.ReadUint16LengthPrefixed(&ext) {
			return nil, decodeErr(typ, &list, shared.ErrTruncated)
		}
		if len(m.Entries) == maxCertEntries {
			return nil, decodeErr(typ, &list, errors.New("certificate chain too long"))
		}
		m.Entries = append(m.Entries, CertificateEntry{Data: data.Rest(), Extensions: ext.Rest()})
	}
	return m, nil
}

// Append appends the body.
func (m *Certificate) Append(dst []byte) ([]byte, error) {
	b := shared.NewBuilder(dst)
	l := b.BeginUint8Length()
	b.AddBytes(m.Context)
	b.EndUint8Length(l)
	list := b.BeginUint24Length()
	for _, e := range m.Entries {
		if len(e.Data) == 0 {
			b.SetError(errors.New("tls13: empty certificate"))
		}
		d := b.BeginUint24Length()
		b.AddBytes(e.Data)
		b.EndUint24Length(d)
		x := b.BeginUint16Length()
		b.AddBytes(e.Extensions)
		b.EndUint16Length(x)
	}
	b.EndUint24Length(list)
	return b.Bytes()
}

// CertificateVerify (RFC 8446 §4.4.3):
//
//	struct {
//	    SignatureScheme algorithm;
//	    opaque signature<0..2^16-1>;
//	} CertificateVerify;
type CertificateVerify struct {
	Scheme    SignatureScheme
	Signature []byte
}

// ParseCertificateVerify parses the body.
func ParseCertificateVerify(b []byte) (*CertificateVerify, error) {
	c := shared.NewCursor(b)
	var s uint16
	var sig shared.Cursor
	if !c.ReadUint16(&s) || !c.ReadUint16LengthPrefixed(&sig) {
		return nil, decodeErr("CertificateVerify", &c, shared.ErrTruncated)
	}
	if !c.Empty() {
		return nil, decodeErr("CertificateVerify", &c, shared.ErrTrailingBytes)
	}
	return &CertificateVerify{Scheme: SignatureScheme(s), Signature: sig.Rest()}, nil
}

// Append appends the body.
func (m *CertificateVerify) Append(dst []byte) ([]byte, error) {
	b := shared.NewBuilder(dst)
	b.AddUint16(uint16(m.Scheme))
	l := b.BeginUint16Length()
	b.AddBytes(m.Signature)
	b.EndUint16Length(l)
	return b.Bytes()
}

// ParseFinished checks a Finished body's length (RFC 8446 §4.4.4:
// verify_data is Hash.length bytes) and returns verify_data.
func ParseFinished(b []byte, hashLen int) ([]byte, error) {
	if len(b) != hashLen {
		c := shared.NewCursor(b)
		return nil, decodeErr("Finished", &c, errors.New("verify_data length"))
	}
	return b, nil
}

// KeyUpdateRequest is the KeyUpdate body (RFC 8446 §4.6.3).
type KeyUpdateRequest uint8

// KeyUpdate values.
const (
	UpdateNotRequested KeyUpdateRequest = 0
	UpdateRequested    KeyUpdateRequest = 1
)

// ParseKeyUpdate parses the body. RFC 8446 §4.6.3: "If an implementation
// receives any other value, it MUST terminate the connection with an
// 'illegal_parameter' alert."
func ParseKeyUpdate(b []byte) (KeyUpdateRequest, error) {
	c := shared.NewCursor(b)
	var v uint8
	if !c.ReadUint8(&v) || !c.Empty() {
		return 0, decodeErr("KeyUpdate", &c, errors.New("length"))
	}
	if v > 1 {
		return 0, illegal("KeyUpdate", &c, errors.New("request_update out of range"))
	}
	return KeyUpdateRequest(v), nil
}

// RecordNumber names one record (RFC 9147 §7).
type RecordNumber struct {
	Epoch uint64
	Seq   uint64
}

// maxACKRecords bounds what we parse from one ACK; a datagram holds at most
// ~90 record numbers anyway.
const maxACKRecords = 256

// ParseACK parses an ACK record (RFC 9147 §7, content type 26):
//
//	struct {
//	    RecordNumber record_numbers<0..2^16-1>;
//	} ACK;
//
// dst is reused (appended to from dst[:0]).
func ParseACK(dst []RecordNumber, b []byte) ([]RecordNumber, error) {
	c := shared.NewCursor(b)
	var l shared.Cursor
	if !c.ReadUint16LengthPrefixed(&l) || !c.Empty() || l.Len()%16 != 0 {
		return dst[:0], decodeErr("ACK", &c, errors.New("length"))
	}
	if l.Len()/16 > maxACKRecords {
		return dst[:0], decodeErr("ACK", &c, errors.New("too many record numbers"))
	}
	dst = dst[:0]
	for !l.Empty() {
		var rn RecordNumber
		l.ReadUint64(&rn.Epoch)
		l.ReadUint64(&rn.Seq)
		dst = append(dst, rn)
	}
	return dst, nil
}

// AppendACK appends an ACK body for rns.
func AppendACK(dst []byte, rns []RecordNumber) ([]byte, error) {
	b := shared.NewBuilder(dst)
	l := b.BeginUint16Length()
	for _, rn := range rns {
		b.AddUint64(rn.Epoch)
		b.AddUint64(rn.Seq)
	}
	b.EndUint16Length(l)
	return b.Bytes()
}
