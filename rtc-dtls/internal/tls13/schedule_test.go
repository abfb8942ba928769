package tls13

import (
	"bytes"
	"crypto/hkdf"
	"hash"
	"reflect"
	"testing"
)

// transcript hashes the RFC 8448 messages given.
func transcript(t *testing.T, s *Schedule, msgs ...string) []byte {
	h := s.NewHash()
	for _, m := range msgs {
		h.Write(unhex(t, m))
	}
	return h.Sum(nil)
}

// TestScheduleRFC8448 runs the key schedule with the "tls13 " prefix through
// every value RFC 8448 §3 publishes: the same code runs DTLS with "dtls13".
func TestScheduleRFC8448(t *testing.T) {
	v := rfc8448
	s := NewSchedule(SHA256, PrefixTLS13)
	wantHex(t, "early secret", s.EarlySecret(), v.early)

	helloHash := transcript(t, s, v.clientHello, v.serverHello)
	wantHex(t, "Transcript-Hash(ClientHello..ServerHello)", helloHash, v.helloHash)

	s.SetSharedSecret(unhex(t, v.ecdhe))
	wantHex(t, "handshake secret", s.HandshakeSecret(), v.handshake)
	wantHex(t, "master secret", s.MasterSecret(), v.master)

	cHS, sHS, err := s.HandshakeTrafficSecrets(helloHash)
	if err != nil {
		t.Fatal(err)
	}
	wantHex(t, "c hs traffic", cHS, v.cHS)
	wantHex(t, "s hs traffic", sHS, v.sHS)
	k := s.TrafficKeys(sHS, 16)
	wantHex(t, "server handshake key", k.Key, v.sHSKey)
	wantHex(t, "server handshake iv", k.IV, v.sHSIV)
	k = s.TrafficKeys(cHS, 16)
	wantHex(t, "client handshake key", k.Key, v.cHSKey)
	wantHex(t, "client handshake iv", k.IV, v.cHSIV)

	// RFC 8446 §4.4.4: the server Finished covers CH..CertificateVerify.
	cvHash := transcript(t, s, v.clientHello, v.serverHello, v.encryptedExtensions, v.cert, v.certVerify)
	wantHex(t, "server Finished", s.FinishedMAC(sHS, cvHash), v.sFinished)
	if !s.VerifyFinished(sHS, cvHash, unhex(t, v.sFinished)) {
		t.Error("VerifyFinished rejects the RFC 8448 server Finished")
	}
	bad := unhex(t, v.sFinished)
	bad[31] ^= 1
	if s.VerifyFinished(sHS, cvHash, bad) {
		t.Error("VerifyFinished accepts a Finished with one bit flipped")
	}

	sfin := append([]byte{20, 0, 0, 32}, unhex(t, v.sFinished)...)
	finHash := transcript(t, s, v.clientHello, v.serverHello, v.encryptedExtensions, v.cert, v.certVerify, hexString(sfin))
	wantHex(t, "Transcript-Hash(ClientHello..server Finished)", finHash, v.serverFinishedHash)
	wantHex(t, "client Finished", s.FinishedMAC(cHS, finHash), v.cFinished)

	cAP, sAP, exp, err := s.ApplicationTrafficSecrets(finHash)
	if err != nil {
		t.Fatal(err)
	}
	wantHex(t, "c ap traffic", cAP, v.cAP)
	wantHex(t, "s ap traffic", sAP, v.sAP)
	wantHex(t, "exp master", exp, v.expMaster)
	k = s.TrafficKeys(sAP, 16)
	wantHex(t, "server application key", k.Key, v.sAPKey)
	wantHex(t, "server application iv", k.IV, v.sAPIV)
	k = s.TrafficKeys(cAP, 16)
	wantHex(t, "client application key", k.Key, v.cAPKey)
	wantHex(t, "client application iv", k.IV, v.cAPIV)
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestExpandLabelEncoding checks the HkdfLabel bytes by recomputing them with
// HKDF-Expand on a hand-written info (RFC 8446 §7.1, RFC 9147 §5.9).
func TestExpandLabelEncoding(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	for _, prefix := range []string{PrefixTLS13, PrefixDTLS13} {
		s := NewSchedule(SHA256, prefix)
		info := []byte{0, 16, byte(len(prefix) + 3)}
		info = append(info, prefix+"key"...)
		info = append(info, 2, 0xaa, 0xbb)
		want := hkdfExpandForTest(t, secret, info, 16)
		if got := s.ExpandLabel(secret, "key", []byte{0xaa, 0xbb}, 16); !bytes.Equal(got, want) {
			t.Errorf("prefix %q: ExpandLabel = %x, want %x", prefix, got, want)
		}
	}
	a := NewSchedule(SHA256, PrefixTLS13).ExpandLabel(secret, "key", nil, 16)
	b := NewSchedule(SHA256, PrefixDTLS13).ExpandLabel(secret, "key", nil, 16)
	if bytes.Equal(a, b) {
		t.Error(`RFC 9147 §5.9: "dtls13" and "tls13 " must give different keys`)
	}
}

func TestScheduleOrder(t *testing.T) {
	s := NewSchedule(SHA384, PrefixDTLS13)
	if _, _, err := s.HandshakeTrafficSecrets(make([]byte, 48)); err != ErrScheduleOrder {
		t.Errorf("handshake secrets before the shared secret: err = %v, want ErrScheduleOrder", err)
	}
	if _, _, _, err := s.ApplicationTrafficSecrets(make([]byte, 48)); err != ErrScheduleOrder {
		t.Errorf("application secrets before the shared secret: err = %v, want ErrScheduleOrder", err)
	}
	s.SetSharedSecret(make([]byte, 32))
	c, sv, exp, err := s.ApplicationTrafficSecrets(make([]byte, 48))
	if err != nil || len(c) != 48 || len(sv) != 48 || len(exp) != 48 {
		t.Errorf("SHA-384 secrets: %d %d %d bytes, err %v; want 48 each", len(c), len(sv), len(exp), err)
	}
	if k := s.TrafficKeys(c, 32); len(k.Key) != 32 || len(k.IV) != 12 || len(k.SNKey) != 32 {
		t.Errorf("AES-256 keys: key %d iv %d sn %d bytes", len(k.Key), len(k.IV), len(k.SNKey))
	}
}

// TestExporter checks TLS-Exporter against its definition (RFC 8446 §7.5),
// that nil and empty contexts agree, and that the length bound holds.
func TestExporter(t *testing.T) {
	s := NewSchedule(SHA256, PrefixTLS13)
	exp := unhex(t, rfc8448.expMaster)
	got, err := s.Exporter(exp, "EXTRACTOR-dtls_srtp", nil, 60)
	if err != nil {
		t.Fatal(err)
	}
	empty := s.NewHash().Sum(nil)
	inner := s.DeriveSecret(exp, "EXTRACTOR-dtls_srtp", empty)
	want := s.ExpandLabel(inner, "exporter", empty, 60)
	if !bytes.Equal(got, want) {
		t.Errorf("Exporter = %x, want %x", got, want)
	}
	got2, err := s.Exporter(exp, "EXTRACTOR-dtls_srtp", []byte{}, 60)
	if err != nil || !bytes.Equal(got, got2) {
		t.Errorf("empty context differs from none (RFC 8446 §7.5 says they are the same): %x vs %x, %v", got, got2, err)
	}
	if _, err := s.Exporter(exp, "x", nil, 255*32+1); err == nil {
		t.Error("Exporter accepted a length above 255*Hash.length")
	}
}

func TestNextTrafficSecret(t *testing.T) {
	s := NewSchedule(SHA256, PrefixDTLS13)
	sec := unhex(t, rfc8448.cAP)
	n1 := s.NextTrafficSecret(sec)
	want := s.ExpandLabel(sec, "traffic upd", nil, 32)
	if !bytes.Equal(n1, want) || bytes.Equal(n1, sec) {
		t.Errorf("NextTrafficSecret = %x, want %x (and different from the old secret)", n1, want)
	}
}

// TestHKDFAgainstStdlib: our HMAC/HKDF (written over two reused hashes)
// agrees with crypto/hkdf for both hashes, keys shorter and longer than
// the block, and lengths from 0 to 255*Hash.length.
func TestHKDFAgainstStdlib(t *testing.T) {
	rnd := seeded("hkdf")
	for _, h := range []func() hash.Hash{SHA256, SHA384} {
		s := NewSchedule(h, PrefixDTLS13)
		for _, n := range []int{0, 1, 31, 32, 33, 48, 64, 65, 200, 255 * s.HashSize()} {
			salt := make([]byte, n%150)
			ikm := make([]byte, 1+n%70)
			info := make([]byte, n%40)
			rnd.Read(salt)
			rnd.Read(ikm)
			rnd.Read(info)
			want, err := hkdf.Extract(h, ikm, salt)
			if err != nil {
				t.Fatal(err)
			}
			prk := s.Extract(salt, ikm)
			if !bytes.Equal(prk, want) {
				t.Fatalf("Extract (salt %d bytes): %x, want %x", len(salt), prk, want)
			}
			wantOKM, err := hkdf.Expand(h, prk, string(info), n)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.expand(prk, info, n); !bytes.Equal(got, wantOKM) {
				t.Fatalf("Expand %d bytes differs", n)
			}
		}
	}
}

// TestScheduleCompact: a compacted schedule (handshake done) derives the
// same exporter output, next traffic secrets and traffic keys as one that
// was not, for both hashes; it makes its HMAC state again on demand.
func TestScheduleCompact(t *testing.T) {
	for _, h := range []func() hash.Hash{SHA256, SHA384} {
		a, b := NewSchedule(h, PrefixDTLS13), NewSchedule(h, PrefixDTLS13)
		for _, s := range []*Schedule{a, b} {
			s.SetSharedSecret(bytes.Repeat([]byte{7}, 32))
		}
		b.Compact()
		if b.inner != nil || b.pad != nil || b.early != nil || b.handshake != nil || b.MasterSecret() == nil {
			t.Fatal("Compact kept the HMAC state or the handshake secrets, or lost the Master Secret")
		}
		if _, _, err := b.HandshakeTrafficSecrets(nil); err != ErrScheduleOrder {
			t.Errorf("HandshakeTrafficSecrets after Compact: %v, want ErrScheduleOrder", err)
		}
		sec := bytes.Repeat([]byte{9}, a.HashSize())
		ea, err1 := a.Exporter(sec, "EXTRACTOR-dtls_srtp", nil, 60)
		eb, err2 := b.Exporter(sec, "EXTRACTOR-dtls_srtp", nil, 60)
		if err1 != nil || err2 != nil || !bytes.Equal(ea, eb) {
			t.Errorf("Exporter after Compact differs: %x / %x (%v, %v)", ea, eb, err1, err2)
		}
		if na, nb := a.NextTrafficSecret(sec), b.NextTrafficSecret(sec); !bytes.Equal(na, nb) {
			t.Errorf("NextTrafficSecret after Compact differs")
		}
		ka, kb := a.TrafficKeys(sec, 16), b.TrafficKeys(sec, 16)
		if !reflect.DeepEqual(ka, kb) {
			t.Errorf("TrafficKeys after Compact differ")
		}
		ca, _, _, err1 := a.ApplicationTrafficSecrets(sec)
		cb, _, _, err2 := b.ApplicationTrafficSecrets(sec)
		if err1 != nil || err2 != nil || !bytes.Equal(ca, cb) {
			t.Errorf("ApplicationTrafficSecrets after Compact differ")
		}
	}
}
