package tls13

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"reflect"
	"testing"
)

// dtlsClientHello turns the RFC 8448 TLS ClientHello body into its DTLS form
// by inserting the empty legacy_cookie after legacy_session_id (RFC 9147
// §5.3), and rewriting the versions to DTLS.
func dtlsClientHello(t testing.TB) []byte {
	msg := unhex(t, rfc8448.clientHello)[4:] // drop the TLS handshake header
	sidLen := int(msg[34])
	out := append([]byte{}, msg[:35+sidLen]...)
	out = append(out, 0) // legacy_cookie<0..2^8-1>, empty
	return append(out, msg[35+sidLen:]...)
}

// TestClientHelloRFC8448 parses the RFC 8448 §3 ClientHello (in DTLS form)
// and checks every extension this package decodes.
func TestClientHelloRFC8448(t *testing.T) {
	ch, err := ParseClientHello(dtlsClientHello(t))
	if err != nil {
		t.Fatal(err)
	}
	if ch.LegacyVersion != 0x0303 || len(ch.SessionID) != 0 || len(ch.LegacyCookie) != 0 {
		t.Errorf("legacy fields: %#x %x %x", ch.LegacyVersion, ch.SessionID, ch.LegacyCookie)
	}
	if want := []CipherSuite{0x1301, 0x1303, 0x1302}; !reflect.DeepEqual(ch.CipherSuites, want) {
		t.Errorf("suites %v, want %v", ch.CipherSuites, want)
	}
	e := ch.Ext
	if want := []ExtensionType{0, 0xff01, 10, 0x23, 51, 43, 13, 45, 28}; !reflect.DeepEqual(e.Present, want) {
		t.Errorf("extensions %v, want %v", e.Present, want)
	}
	if want := []Group{0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104}; !reflect.DeepEqual(e.Groups, want) {
		t.Errorf("groups %v, want %v", e.Groups, want)
	}
	if len(e.KeyShares) != 1 || e.KeyShares[0].Group != GroupX25519 || hexString(e.KeyShares[0].KeyExchange) != rfc8448.clientPub {
		t.Errorf("key shares %+v", e.KeyShares)
	}
	if !reflect.DeepEqual(e.SupportedVersions, []uint16{0x0304}) || len(e.Schemes) != 15 || e.Schemes[0] != 0x0403 {
		t.Errorf("versions %x, %d schemes starting %x", e.SupportedVersions, len(e.Schemes), e.Schemes[0])
	}
	if !bytes.Equal(e.PSKModes, []byte{1}) || e.RecordSizeLimit != 0x4001 {
		t.Errorf("psk modes %x, record_size_limit %#x", e.PSKModes, e.RecordSizeLimit)
	}
}

// TestServerHelloRFC8448 parses the RFC 8448 §3 ServerHello: the DTLS and TLS
// 1.3 ServerHello share their wire form.
func TestServerHelloRFC8448(t *testing.T) {
	sh, err := ParseServerHello(unhex(t, rfc8448.serverHello)[4:])
	if err != nil {
		t.Fatal(err)
	}
	if sh.CipherSuite != TLS_AES_128_GCM_SHA256 || sh.Ext.SelectedVersion != 0x0304 || sh.IsHelloRetryRequest() {
		t.Errorf("suite %v version %#x hrr %v", sh.CipherSuite, sh.Ext.SelectedVersion, sh.IsHelloRetryRequest())
	}
	if len(sh.Ext.KeyShares) != 1 || hexString(sh.Ext.KeyShares[0].KeyExchange) != rfc8448.serverPub {
		t.Errorf("key share %+v", sh.Ext.KeyShares)
	}
	// Our builder writes the same fields; parse it back.
	out, err := sh.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	sh2, err := ParseServerHello(out)
	if err != nil {
		t.Fatal(err)
	}
	sh2.Ext.Present, sh.Ext.Present = nil, nil
	if !reflect.DeepEqual(sh, sh2) {
		t.Errorf("round trip:\n got %+v\nwant %+v", sh2, sh)
	}
}

// TestCertificateVerifyRFC8448 parses the RFC 8448 EncryptedExtensions,
// Certificate and CertificateVerify, and verifies the server's RSA-PSS
// signature over Transcript-Hash(ClientHello..Certificate) with the
// certificate's key: the 1.3 signed content and context string are right.
func TestCertificateVerifyRFC8448(t *testing.T) {
	v := rfc8448
	ee, err := ParseEncryptedExtensions(unhex(t, v.encryptedExtensions)[4:])
	if err != nil {
		t.Fatal(err)
	}
	if ee.Ext.RecordSizeLimit != 0x4001 || len(ee.Ext.Groups) != 9 {
		t.Errorf("EncryptedExtensions: limit %#x, %d groups", ee.Ext.RecordSizeLimit, len(ee.Ext.Groups))
	}
	cert, err := ParseCertificate(unhex(t, v.cert)[4:])
	if err != nil {
		t.Fatal(err)
	}
	if len(cert.Entries) != 1 || len(cert.Context) != 0 {
		t.Fatalf("certificate: %d entries", len(cert.Entries))
	}
	x, err := x509.ParseCertificate(cert.Entries[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	cv, err := ParseCertificateVerify(unhex(t, v.certVerify)[4:])
	if err != nil {
		t.Fatal(err)
	}
	if cv.Scheme != PSSWithSHA256 {
		t.Fatalf("scheme %#x", cv.Scheme)
	}
	h := sha256.New()
	for _, m := range []string{v.clientHello, v.serverHello, v.encryptedExtensions, v.cert} {
		h.Write(unhex(t, m))
	}
	th := h.Sum(nil)
	if err := VerifyCertificateVerify(x.PublicKey, cv, true, th); err != nil {
		t.Errorf("RFC 8448 server CertificateVerify: %v", err)
	}
	if err := VerifyCertificateVerify(x.PublicKey, cv, false, th); !errors.Is(err, ErrBadSignature) {
		t.Errorf("with the client context string: err %v, want ErrBadSignature", err)
	}
	for _, m := range []struct {
		name string
		hex  string
		fn   func([]byte) error
	}{
		{"EncryptedExtensions", v.encryptedExtensions, func(b []byte) error { _, err := ParseEncryptedExtensions(b); return err }},
		{"Certificate", v.cert, func(b []byte) error { _, err := ParseCertificate(b); return err }},
		{"CertificateVerify", v.certVerify, func(b []byte) error { _, err := ParseCertificateVerify(b); return err }},
		{"ServerHello", v.serverHello, func(b []byte) error { _, err := ParseServerHello(b); return err }},
	} {
		body := unhex(t, m.hex)[4:]
		// Every strict prefix must fail, except where the rest is an
		// optional part (a ServerHello without extensions is DTLS 1.2).
		for n := range len(body) {
			if m.name == "ServerHello" && n == 38 {
				continue
			}
			if m.fn(body[:n]) == nil {
				t.Errorf("%s: prefix of %d bytes parsed", m.name, n)
			}
		}
	}
}

func TestCertificateVerifySchemes(t *testing.T) {
	rnd := seeded("cv")
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rnd)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rsa.GenerateKey(rnd, 2048)
	if err != nil {
		t.Fatal(err)
	}
	th := bytes.Repeat([]byte{0xab}, 32)
	for _, k := range []crypto.Signer{ec, ed, rs} {
		signer := k
		s, ok := SchemeForKey(signer.Public())
		if !ok {
			t.Fatalf("no scheme for %T", k)
		}
		sig, err := SignCertificateVerify(rnd, k, s, false, th)
		if err != nil {
			t.Fatalf("%T: %v", k, err)
		}
		cv := &CertificateVerify{Scheme: s, Signature: sig}
		if err := VerifyCertificateVerify(signer.Public(), cv, false, th); err != nil {
			t.Errorf("%T: own signature: %v", k, err)
		}
		if err := VerifyCertificateVerify(signer.Public(), cv, true, th); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%T: server context accepted a client signature: %v", k, err)
		}
		bad := *cv
		bad.Scheme = PKCS1WithSHA256
		if err := VerifyCertificateVerify(signer.Public(), &bad, false, th); !errors.Is(err, ErrSchemeMismatch) {
			t.Errorf("%T: PKCS#1 v1.5 in CertificateVerify: %v", k, err)
		}
	}
}

func TestHelloRetryRandom(t *testing.T) {
	if sha256.Sum256([]byte("HelloRetryRequest")) != helloRetryRandom {
		t.Error("HelloRetryRequest random is not SHA-256(\"HelloRetryRequest\") (RFC 8446 §4.1.3)")
	}
}

func TestHelloRoundTrip(t *testing.T) {
	ch := &ClientHello{
		LegacyVersion:      VersionDTLS12,
		SessionID:          []byte{},
		LegacyCookie:       []byte{},
		CipherSuites:       []CipherSuite{TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, 0xc02b},
		CompressionMethods: []byte{0},
		Ext: Extensions{
			SupportedVersions: []uint16{VersionDTLS13, VersionDTLS12},
			Groups:            []Group{GroupX25519MLKEM768, GroupX25519, GroupP256},
			Schemes:           []SignatureScheme{ECDSAWithP256AndSHA256, PSSWithSHA256},
			SRTPProfiles:      []uint16{7, 8, 1},
			SRTPMKI:           []byte{},
			RecordSizeLimit:   1200,
			Cookie:            []byte("cookie!"),
			PSKModes:          []byte{1},
			KeyShares: []KeyShareEntry{
				{Group: GroupX25519MLKEM768, KeyExchange: bytes.Repeat([]byte{1}, 1216)},
				{Group: GroupX25519, KeyExchange: bytes.Repeat([]byte{2}, 32)},
			},
			HasConnectionID: true,
			ConnectionID:    []byte{},
		},
	}
	ch.Random[0] = 9
	b, err := ch.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseClientHello(b)
	if err != nil {
		t.Fatal(err)
	}
	got.Ext.Present = nil
	if !reflect.DeepEqual(ch, got) {
		t.Errorf("ClientHello round trip:\n got %+v\nwant %+v", got, ch)
	}
	for n := range len(b) {
		if n == 2+32+1+1+2+6+2 { // ends after compression methods: a valid 1.2 hello
			continue
		}
		if _, err := ParseClientHello(b[:n]); err == nil {
			t.Errorf("ClientHello prefix of %d bytes parsed", n)
		}
	}

	hrr := &ServerHello{LegacyVersion: VersionDTLS12, Random: HelloRetryRandom(), SessionIDEcho: []byte{},
		CipherSuite: TLS_AES_128_GCM_SHA256, Ext: Extensions{SelectedVersion: VersionDTLS13, SelectedGroup: GroupX25519, Cookie: []byte{1, 2, 3}}}
	b, err = hrr.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	gotHRR, err := ParseServerHello(b)
	if err != nil {
		t.Fatal(err)
	}
	gotHRR.Ext.Present = nil
	if !reflect.DeepEqual(hrr, gotHRR) || !gotHRR.IsHelloRetryRequest() {
		t.Errorf("HelloRetryRequest round trip:\n got %+v\nwant %+v", gotHRR, hrr)
	}
}

func TestExtensionRules(t *testing.T) {
	// Duplicate extension: illegal_parameter (RFC 8446 §4.2).
	dup := []byte{0, 12, 0, 28, 0, 2, 0x40, 0, 0, 28, 0, 2, 0x40, 0}
	var pe *ParseError
	if _, err := ParseEncryptedExtensions(dup); !errors.As(err, &pe) || pe.Alert != AlertIllegalParameter {
		t.Errorf("duplicate record_size_limit: err %v", err)
	}
	// record_size_limit below 64 (RFC 8449 §4).
	if _, err := ParseEncryptedExtensions([]byte{0, 6, 0, 28, 0, 2, 0, 63}); err == nil {
		t.Error("record_size_limit 63 accepted")
	}
	// key_share in EncryptedExtensions: illegal_parameter.
	ee := &EncryptedExtensions{Ext: Extensions{SRTPProfiles: []uint16{7}, SRTPMKI: []byte{}}}
	b, err := ee.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParseEncryptedExtensions(b); err != nil || !reflect.DeepEqual(got.Ext.SRTPProfiles, []uint16{7}) {
		t.Errorf("use_srtp in EncryptedExtensions: %v %+v", err, got)
	}
	withKS := []byte{0, 8, 0, 51, 0, 4, 0, 0x1d, 0, 0}
	if _, err := ParseEncryptedExtensions(withKS); !errors.As(err, &pe) {
		t.Errorf("key_share in EncryptedExtensions: err %v", err)
	}
	// An unknown extension is skipped.
	if got, err := ParseEncryptedExtensions([]byte{0, 5, 0x12, 0x34, 0, 1, 9}); err != nil || !got.Ext.Has(0x1234) {
		t.Errorf("unknown extension: %v", err)
	}
	// Too many extensions.
	var many []byte
	for i := range maxExtensions + 1 {
		many = append(many, 0x70, byte(i), 0, 0)
	}
	many = append([]byte{byte(len(many) >> 8), byte(len(many))}, many...)
	if _, err := ParseEncryptedExtensions(many); err == nil {
		t.Error("65 extensions accepted")
	}
}

func TestDowngrade(t *testing.T) {
	var r [32]byte
	if err := CheckDowngrade(r, true, VersionDTLS12); err != nil {
		t.Errorf("plain random: %v", err)
	}
	SetDowngradeSentinel(&r, VersionDTLS12)
	if string(r[24:]) != "DOWNGRD\x01" {
		t.Errorf("sentinel %q", r[24:])
	}
	if err := CheckDowngrade(r, true, VersionDTLS12); !errors.Is(err, ErrDowngrade) {
		t.Errorf("1.3 client, 1.2 negotiated, sentinel: err %v, want ErrDowngrade", err)
	}
	if err := CheckDowngrade(r, false, VersionDTLS12); err != nil {
		t.Errorf("1.2-only client ignores the sentinel (RFC 8446 §4.1.3): %v", err)
	}
	if err := CheckDowngrade(r, true, VersionDTLS13); err != nil {
		t.Errorf("1.3 negotiated: %v", err)
	}
	var r2 [32]byte
	SetDowngradeSentinel(&r2, VersionDTLS10)
	if err := CheckDowngrade(r2, true, VersionDTLS10); !errors.Is(err, ErrDowngrade) {
		t.Errorf("DTLS 1.0 sentinel: %v", err)
	}
}

func TestSelectVersion(t *testing.T) {
	both := &ClientHello{LegacyVersion: VersionDTLS12, Ext: Extensions{Present: []ExtensionType{ExtSupportedVersions}, SupportedVersions: []uint16{VersionDTLS13, VersionDTLS12}}}
	only12 := &ClientHello{LegacyVersion: VersionDTLS12}
	only13 := &ClientHello{LegacyVersion: VersionDTLS12, Ext: Extensions{Present: []ExtensionType{ExtSupportedVersions}, SupportedVersions: []uint16{VersionDTLS13}}}
	for _, c := range []struct {
		name     string
		ch       *ClientHello
		min, max uint16
		want     uint16
	}{
		{"both, we do both", both, VersionDTLS12, VersionDTLS13, VersionDTLS13},
		{"both, we cap at 1.2", both, VersionDTLS12, VersionDTLS12, VersionDTLS12},
		{"1.2 client (Pion, OpenSSL)", only12, VersionDTLS12, VersionDTLS13, VersionDTLS12},
		{"1.2 client, we need 1.3", only12, VersionDTLS13, VersionDTLS13, 0},
		{"1.3-only client, we cap at 1.2", only13, VersionDTLS12, VersionDTLS12, 0},
	} {
		if got := SelectVersion(c.ch, c.min, c.max); got != c.want {
			t.Errorf("%s: %#x, want %#x", c.name, got, c.want)
		}
	}
}

func TestSmallMessages(t *testing.T) {
	for _, v := range []struct {
		b    []byte
		want KeyUpdateRequest
		ok   bool
	}{{[]byte{0}, UpdateNotRequested, true}, {[]byte{1}, UpdateRequested, true}, {[]byte{2}, 0, false}, {nil, 0, false}, {[]byte{0, 0}, 0, false}} {
		got, err := ParseKeyUpdate(v.b)
		if (err == nil) != v.ok || got != v.want {
			t.Errorf("KeyUpdate %x: %v %v", v.b, got, err)
		}
	}
	rns := []RecordNumber{{2, 0}, {2, 1}, {3, 1 << 40}}
	b, err := AppendACK(nil, rns)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseACK(nil, b)
	if err != nil || !reflect.DeepEqual(got, rns) {
		t.Errorf("ACK round trip: %v %v", got, err)
	}
	for n := range len(b) {
		if _, err := ParseACK(nil, b[:n]); err == nil {
			t.Errorf("ACK prefix %d parsed", n)
		}
	}
	if _, err := ParseFinished(make([]byte, 31), 32); err == nil {
		t.Error("31-byte Finished accepted for SHA-256")
	}
	cr := &CertificateRequest{Context: []byte{}, Ext: Extensions{Schemes: []SignatureScheme{ECDSAWithP256AndSHA256}}}
	b, err = cr.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	gotCR, err := ParseCertificateRequest(b)
	if err != nil || !reflect.DeepEqual(gotCR.Ext.Schemes, cr.Ext.Schemes) {
		t.Errorf("CertificateRequest round trip: %v %+v", err, gotCR)
	}
	if _, err := ParseCertificateRequest([]byte{0, 0, 0}); err == nil {
		t.Error("CertificateRequest without signature_algorithms accepted")
	}
	hh := HandshakeHeader{Type: TypeFinished, Length: 32, MessageSeq: 4, FragmentOffset: 0, FragmentLength: 32}
	hb := AppendHandshakeHeader(nil, hh)
	hb = append(hb, make([]byte, 32)...)
	gotH, frag, n, err := ParseHandshakeHeader(hb)
	if err != nil || gotH != hh || len(frag) != 32 || n != len(hb) {
		t.Errorf("handshake header: %+v %d %d %v", gotH, len(frag), n, err)
	}
	hh.FragmentOffset = 1
	hb = append(AppendHandshakeHeader(nil, hh), make([]byte, 32)...)
	if _, _, _, err := ParseHandshakeHeader(hb); err == nil {
		t.Error("fragment beyond the message length accepted")
	}
	if got := MessageHash([]byte{1, 2}); !bytes.Equal(got, []byte{254, 0, 0, 2, 1, 2}) {
		t.Errorf("message_hash %x", got)
	}
}
