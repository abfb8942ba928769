package dtls

import "testing"

// BenchmarkHandshake13 is one full DTLS 1.3 handshake, client and server in
// process: ECDSA P-256 certificates, AES-128-GCM, use_srtp, mutual
// authentication, with the X25519MLKEM768 hybrid (the default) or x25519.
func BenchmarkHandshake13(b *testing.B) {
	for _, g := range []struct {
		name   string
		groups []Group
	}{{"X25519MLKEM768", nil}, {"x25519", []Group{GroupX25519}}} {
		b.Run(g.name, func(b *testing.B) {
			cc := &Config{Certificate: testCertClient, PeerFingerprints: []Fingerprint{fp(testCertServer)}, Groups: g.groups}
			sc := &Config{Certificate: testCertServer, PeerFingerprints: []Fingerprint{fp(testCertClient)}}
			t := &testing.T{}
			b.ReportAllocs()
			for b.Loop() {
				p := newTestPair(t, cc, sc)
				p.pump()
				if !p.established() || p.client.v13 == nil {
					b.Fatal("no DTLS 1.3 handshake")
				}
			}
		})
	}
}
