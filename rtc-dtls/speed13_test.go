package dtls

import (
	"bytes"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestHandshake13TwoRoundTrips: without loss and without a
// HelloRetryRequest, the whole DTLS 1.3 handshake takes two round trips
// (RFC 9147 §5: ClientHello; ServerHello to Finished; the client's
// Certificate, CertificateVerify and Finished; the server's ACK, §7). Over
// netsim with 50 ms each way it counts the flights on the wire: four, the
// client connected after one round trip (100 ms), the server after one and
// a half (150 ms), nothing sent after 150 ms and nothing retransmitted. The
// browser-like client offers 1.2 and 1.3 with X25519MLKEM768 and x25519
// shares (its ClientHello takes two datagrams); the other offers x25519
// alone.
func TestHandshake13TwoRoundTrips(t *testing.T) {
	for _, v := range []struct {
		name      string
		tweak     func(cc, sc *Config)
		datagrams int // in the whole exchange
	}{
		{"auto client, X25519MLKEM768", func(cc, sc *Config) { autoClient(cc); sc.MaxVersion = VersionDTLS13 }, 6},
		{"1.3 client, x25519", func(cc, sc *Config) {
			cc.MinVersion, cc.MaxVersion, sc.MaxVersion = VersionDTLS13, VersionDTLS13, VersionDTLS13
			cc.Groups = []Group{GroupX25519}
		}, 4},
	} {
		t.Run(v.name, func(t *testing.T) {
			sim, cp, sp := simPair(t, 1, netsim.LinkConfig{Delay: 50 * time.Millisecond}, v.tweak)
			client, server := cp.P.(*Conn), sp.P.(*Conn)
			var clientAt, serverAt time.Duration
			done := func() bool {
				if clientAt == 0 && client.state == stateEstablished {
					clientAt = sim.Elapsed()
				}
				if serverAt == 0 && server.state == stateEstablished {
					serverAt = sim.Elapsed()
				}
				return clientAt > 0 && serverAt > 0
			}
			if err := sim.Run(done, 1000); err != nil {
				t.Fatal(err)
			}
			if err := sim.RunFor(3*time.Second, 1000); err != nil { // past every retransmission timer
				t.Fatal(err)
			}
			if client.v13 == nil || server.v13 == nil {
				t.Fatal("not DTLS 1.3")
			}
			// A flight is the run of datagrams one side sends at one time.
			type flight struct {
				fromClient bool
				at         time.Duration
				n          int
			}
			var flights []flight
			start := sim.Now().Add(-sim.Elapsed())
			for _, r := range sim.Trace() {
				f := flight{fromClient: r.From == clientAddr, at: r.Sent.Sub(start), n: 1}
				if k := len(flights) - 1; k >= 0 && flights[k].fromClient == f.fromClient && flights[k].at == f.at {
					flights[k].n++
					continue
				}
				flights = append(flights, f)
			}
			want := []struct {
				fromClient bool
				at         time.Duration
			}{{true, 0}, {false, 50 * time.Millisecond}, {true, 100 * time.Millisecond}, {false, 150 * time.Millisecond}}
			ok := len(flights) == len(want)
			total := 0
			for i, f := range flights {
				total += f.n
				ok = ok && i < len(want) && f.fromClient == want[i].fromClient && f.at == want[i].at
			}
			if !ok || total != v.datagrams {
				t.Errorf("flights %+v (%d datagrams); want client at 0, server at 50 ms, client at 100 ms, server's ACK at 150 ms, %d datagrams\n%s",
					flights, total, v.datagrams, sim.TraceString())
			}
			if clientAt != 100*time.Millisecond || serverAt != 150*time.Millisecond {
				t.Errorf("client established at %v, server at %v; want 100 ms and 150 ms", clientAt, serverAt)
			}
		})
	}
}

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

// TestAppDatagramExact13: without buffers handed back, a DTLS 1.3
// application datagram is allocated at its exact size (a caller that queues
// many small datagrams keeps no MTU-sized buffer per datagram).
func TestAppDatagramExact13(t *testing.T) {
	cc, sc := configs13()
	p := newTestPair(t, cc, sc)
	p.handshake(10)
	if !p.established() || p.client.v13 == nil {
		t.Fatal("no DTLS 1.3 handshake")
	}
	for _, n := range []int{1, 100, 1100} {
		if err := p.client.HandleWrite(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
		dg, ok := p.client.PollWrite()
		if !ok {
			t.Fatal("no datagram")
		}
		if cap(dg.Message) != len(dg.Message) {
			t.Errorf("%d-byte message: a %d-byte datagram in a buffer of %d", n, len(dg.Message), cap(dg.Message))
		}
	}
}
