package dtls

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"
)

func benchPair(b *testing.B) {
	cc := &Config{Certificate: testCertClient, PeerFingerprints: []Fingerprint{fp(testCertServer)}, DisableSRTP: false, MaxVersion: VersionDTLS12}
	sc := &Config{Certificate: testCertServer, PeerFingerprints: []Fingerprint{fp(testCertClient)}, MaxVersion: VersionDTLS12}
	t := &testing.T{}
	for b.Loop() {
		p := newTestPair(t, cc, sc)
		p.pump()
		if !p.established() {
			b.Fatal("not established")
		}
	}
}

// BenchmarkHandshake is one full handshake, client and server in process:
// ECDSA P-256 certificates, X25519, AES-128-GCM, use_srtp, EMS, mutual
// authentication.
func BenchmarkHandshake(b *testing.B) {
	b.ReportAllocs()
	benchPair(b)
}

func protectionFor(tb testing.TB, s CipherSuite) *RecordProtection {
	info := suiteParams(s)
	p, err := NewRecordProtection(s, make([]byte, info.keyLen), make([]byte, info.ivLen), make([]byte, info.macLen), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

var benchSuites = []CipherSuite{
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
}

// BenchmarkRecordSeal and BenchmarkRecordOpen protect and unprotect
// 1200-byte application data records.
func BenchmarkRecordSeal(b *testing.B) {
	for _, s := range benchSuites {
		b.Run(s.String(), func(b *testing.B) {
			p := protectionFor(b, s)
			msg := make([]byte, 1200)
			buf := make([]byte, 0, 1300)
			h := RecordHeader{Type: ContentApplicationData, Version: versionDTLS12, Epoch: 1}
			b.SetBytes(1200)
			b.ReportAllocs()
			for b.Loop() {
				h.Seq++
				if _, err := p.Seal(buf[:0], h, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecordOpen(b *testing.B) {
	for _, s := range benchSuites {
		b.Run(s.String(), func(b *testing.B) {
			p := protectionFor(b, s)
			h := RecordHeader{Type: ContentApplicationData, Version: versionDTLS12, Epoch: 1, Seq: 7}
			rec, err := p.Seal(nil, h, make([]byte, 1200))
			noErr(b, err)
			frag := rec[recordHeaderLen:]
			h.Length = uint16(len(frag))
			dst := make([]byte, 0, 1300)
			b.SetBytes(1200)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Open(dst, h, frag); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawAESGCM is the ceiling: AES-128-GCM sealing 1200 bytes.
func BenchmarkRawAESGCM(b *testing.B) {
	block, err := aes.NewCipher(make([]byte, 16))
	noErr(b, err)
	aead, err := cipher.NewGCM(block)
	noErr(b, err)
	msg := make([]byte, 1200)
	buf := make([]byte, 0, 1300)
	nonce := make([]byte, 12)
	b.SetBytes(1200)
	b.ReportAllocs()
	for b.Loop() {
		aead.Seal(buf[:0], nonce, msg, nonce[:13-1])
	}
}

func TestRecordProtectionNoAllocs(t *testing.T) {
	for _, s := range benchSuites[:3] {
		p := protectionFor(t, s)
		msg := bytes.Repeat([]byte{1}, 1200)
		buf := make([]byte, 0, 1300)
		dst := make([]byte, 0, 1300)
		h := RecordHeader{Type: ContentApplicationData, Version: versionDTLS12, Epoch: 1}
		allocs := testing.AllocsPerRun(100, func() {
			h.Seq++
			rec, err := p.Seal(buf[:0], h, msg)
			if err != nil {
				t.Fatal(err)
			}
			hh := h
			hh.Length = uint16(len(rec) - recordHeaderLen)
			out, err := p.Open(dst, hh, rec[recordHeaderLen:])
			if err != nil || !bytes.Equal(out, msg) {
				t.Fatal("round trip", err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per seal+open", s, allocs)
		}
	}
}

// BenchmarkConnApplicationData is one 1200-byte message through the whole
// Conn: HandleWrite, PollWrite, HandleRead on the peer, PollRead. The two
// allocations are the datagram PollWrite hands out and the plaintext
// PollRead hands out (both belong to the caller; see the Released variant);
// record protection itself allocates nothing.
func BenchmarkConnApplicationData(b *testing.B) {
	cc, sc := defaultConfigs()
	p := newTestPair(&testing.T{}, cc, sc)
	p.handshake(10)
	if !p.established() {
		b.Fatal("no handshake")
	}
	msg := make([]byte, 1200)
	b.SetBytes(1200)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.client.HandleWrite(msg); err != nil {
			b.Fatal(err)
		}
		dg, _ := p.client.PollWrite()
		dg.Transport = dg.Transport.Reverse() // as the server receives it
		if err := p.server.HandleRead(dg); err != nil {
			b.Fatal(err)
		}
		if _, ok := p.server.PollRead(); !ok {
			b.Fatal("nothing read")
		}
	}
}

// BenchmarkConnApplicationDataReleased is BenchmarkConnApplicationData with
// the datagram and the plaintext handed back (ReleaseWrite, ReleaseRead):
// no allocation at all.
func BenchmarkConnApplicationDataReleased(b *testing.B) {
	cc, sc := defaultConfigs()
	p := newTestPair(&testing.T{}, cc, sc)
	p.handshake(10)
	if !p.established() {
		b.Fatal("no handshake")
	}
	msg := make([]byte, 1200)
	b.SetBytes(1200)
	b.ReportAllocs()
	for b.Loop() {
		if err := releasedRoundTrip(p, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func releasedRoundTrip(p *testPair, msg []byte) error {
	if err := p.client.HandleWrite(msg); err != nil {
		return err
	}
	dg, _ := p.client.PollWrite()
	dg.Transport = dg.Transport.Reverse() // as the server receives it
	if err := p.server.HandleRead(dg); err != nil {
		return err
	}
	p.client.ReleaseWrite(dg.Message)
	got, ok := p.server.PollRead()
	if !ok || !bytes.Equal(got, msg) {
		return errors.New("wrong plaintext")
	}
	p.server.ReleaseRead(got)
	return nil
}

// TestReleasedBuffersNoAllocs: with buffers handed back, application data
// costs no allocation on either side; buffers that are not the Conn's are
// ignored, and the pool is bounded.
func TestReleasedBuffersNoAllocs(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	p.handshake(10)
	if !p.established() {
		t.Fatal("no handshake")
	}
	for _, n := range []int{1, 100, 1100} {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		for range 3 {
			if err := releasedRoundTrip(p, msg); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(100, func() {
			if err := releasedRoundTrip(p, msg); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%d bytes: %v allocations per message with buffers released", n, allocs)
		}
	}
	p.client.ReleaseWrite(make([]byte, 10))
	for range 2 * maxPooled {
		p.client.ReleaseWrite(make([]byte, 0, p.client.pooledCap()))
	}
	if len(p.client.free) > maxPooled {
		t.Errorf("%d buffers pooled", len(p.client.free))
	}
	for _, b := range p.client.free {
		if cap(b) < p.client.pooledCap() || cap(b) > 2*p.client.pooledCap() {
			t.Errorf("pooled a buffer of capacity %d", cap(b))
		}
	}
}

// BenchmarkRecordSealCID and BenchmarkRecordOpenCID are BenchmarkRecordSeal
// and BenchmarkRecordOpen for a tls12_cid record with an 8-byte CID (RFC
// 9146): the inner plaintext is the 1200 bytes and the content type.
func BenchmarkRecordSealCID(b *testing.B) {
	for _, s := range benchSuites {
		b.Run(s.String(), func(b *testing.B) {
			p := protectionFor(b, s)
			inner := append(make([]byte, 1200), byte(ContentApplicationData))
			buf := make([]byte, 0, 1300)
			h := RecordHeader{Type: ContentTLS12CID, Version: versionDTLS12, Epoch: 1, CID: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
			b.SetBytes(1200)
			b.ReportAllocs()
			for b.Loop() {
				h.Seq++
				if _, err := p.Seal(buf[:0], h, inner); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRecordOpenCID(b *testing.B) {
	for _, s := range benchSuites {
		b.Run(s.String(), func(b *testing.B) {
			p := protectionFor(b, s)
			h := RecordHeader{Type: ContentTLS12CID, Version: versionDTLS12, Epoch: 1, Seq: 7, CID: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
			rec, err := p.Seal(nil, h, append(make([]byte, 1200), byte(ContentApplicationData)))
			noErr(b, err)
			frag := rec[h.Len():]
			h.Length = uint16(len(frag))
			dst := make([]byte, 0, 1300)
			b.SetBytes(1200)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Open(dst, h, frag); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestReleasedBuffersNoAllocsCID: application data in tls12_cid records
// (8-byte CIDs both ways, RFC 9146) costs no allocation either once
// buffers are handed back.
func TestReleasedBuffersNoAllocsCID(t *testing.T) {
	p := cidPair(t, 8, 8, 0)
	for _, n := range []int{1, 100, 1100} {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		for range 3 {
			if err := releasedRoundTrip(p, msg); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(100, func() {
			if err := releasedRoundTrip(p, msg); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%d bytes: %v allocations per message with CIDs and buffers released", n, allocs)
		}
	}
}
