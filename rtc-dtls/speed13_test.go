package dtls

import (
	"bytes"
	"testing"
)

// TestReleasedBuffersNoAllocs13 is TestReleasedBuffersNoAllocs for DTLS
// 1.3: with the datagrams and plaintexts handed back, application data
// costs no allocation on either side (the hot path of issue 19's record
// layer, through the Conn).
func TestReleasedBuffersNoAllocs13(t *testing.T) {
	cc, sc := configs13()
	p := newTestPair(t, cc, sc)
	p.handshake(10)
	if !p.established() || p.client.v13 == nil {
		t.Fatal("no DTLS 1.3 handshake")
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
}

// BenchmarkConnApplicationDataReleased13 is
// BenchmarkConnApplicationDataReleased over DTLS 1.3 (X25519MLKEM768,
// AES-128-GCM): one 1200-byte message from client to server with every
// buffer handed back.
func BenchmarkConnApplicationDataReleased13(b *testing.B) {
	cc, sc := configs13()
	p := newTestPair(&testing.T{}, cc, sc)
	p.handshake(10)
	if !p.established() || p.client.v13 == nil {
		b.Fatal("no DTLS 1.3 handshake")
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
