package dtls

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

type simPeer = netsim.Collector[[]byte, []byte, Command, Event]

func hasEvent(p *simPeer, k EventKind) *Event {
	for i := range p.Events {
		if p.Events[i].Kind == k {
			return &p.Events[i]
		}
	}
	return nil
}

// simPair builds a client and server on a simulated network.
func simPair(t *testing.T, seed uint64, link netsim.LinkConfig, tweak func(cc, sc *Config)) (*netsim.Sim, *simPeer, *simPeer) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(link)
	cc, sc := defaultConfigs()
	cc.Rand = netsim.NewRand(seed, "client")
	sc.Rand = netsim.NewRand(seed, "server")
	if tweak != nil {
		tweak(cc, sc)
	}
	client, err := NewClient(sim.Now(), shared.TransportContext{Local: clientAddr, Peer: serverAddr}, cc)
	if err != nil {
		t.Fatal(err)
	}
	server, err := NewServer(sim.Now(), shared.TransportContext{Local: serverAddr}, sc)
	if err != nil {
		t.Fatal(err)
	}
	cp, sp := netsim.Collect[[]byte, []byte, Command, Event](client), netsim.Collect[[]byte, []byte, Command, Event](server)
	sim.Add(cp, clientAddr)
	sim.Add(sp, serverAddr)
	return sim, cp, sp
}

// TestNetsimHandshakeAdverse checks that the handshake completes with 30%
// loss, reordering, duplication and jitter in both directions, across many
// seeds, and that both sides then agree on the SRTP keys and exchange data.
func TestNetsimHandshakeAdverse(t *testing.T) {
	seeds := 60
	if testing.Short() {
		seeds = 15
	}
	link := netsim.LinkConfig{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 0.3, Reorder: 0.2, Duplicate: 0.1}
	var total time.Duration
	for seed := range uint64(seeds) {
		sim, cp, sp := simPair(t, seed, link, func(cc, sc *Config) {
			cc.HandshakeTimeout, sc.HandshakeTimeout = 10*time.Minute, 10*time.Minute
			cc.HelloVerify, sc.HelloVerify = seed%2 == 0, seed%2 == 0
		})
		done := func() bool {
			return hasEvent(cp, EventHandshakeComplete) != nil && hasEvent(sp, EventHandshakeComplete) != nil
		}
		if err := sim.Run(done, 100_000); err != nil {
			t.Fatalf("seed %d: %v (client %v, server %v)", seed, err, cp.P.(*Conn).err, sp.P.(*Conn).err)
		}
		total += sim.Elapsed()
		ck := srtpKeyingMaterial(t, cp.P.(*Conn))
		sk := srtpKeyingMaterial(t, sp.P.(*Conn))
		if !bytes.Equal(ck, sk) {
			t.Fatalf("seed %d: keying material differs", seed)
		}
		// Application data gets through too (each message sent until it
		// arrives: DTLS itself does not retransmit data).
		for i := 0; len(sp.Reads) == 0 && i < 50; i++ {
			if err := cp.P.HandleWrite([]byte("data")); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if err := sim.RunFor(100*time.Millisecond, 10_000); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
		if len(sp.Reads) == 0 || string(sp.Reads[0]) != "data" {
			t.Fatalf("seed %d: no application data", seed)
		}
	}
	t.Logf("%d seeds, mean virtual handshake time %v", seeds, total/time.Duration(seeds))
}

// TestNetsimSmallMTU fragments every flight to a 300-byte MTU, with RSA
// certificates (large Certificate messages) and 10% loss.
func TestNetsimSmallMTU(t *testing.T) {
	rsaClient, rsaServer := rsaPair()
	for seed := range uint64(10) {
		link := netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.1, Reorder: 0.2, MTU: 300}
		sim, cp, sp := simPair(t, seed, link, func(cc, sc *Config) {
			cc.MTU, sc.MTU = 300, 300
			cc.Certificate, sc.Certificate = rsaClient, rsaServer
			cc.PeerFingerprints = []Fingerprint{fp(rsaServer)}
			sc.PeerFingerprints = []Fingerprint{fp(rsaClient)}
			cc.HandshakeTimeout, sc.HandshakeTimeout = 10*time.Minute, 10*time.Minute
		})
		err := sim.Run(func() bool {
			return hasEvent(cp, EventHandshakeComplete) != nil && hasEvent(sp, EventHandshakeComplete) != nil
		}, 100_000)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, r := range sim.Trace() {
			if r.Fate == netsim.TooBig {
				t.Fatalf("seed %d: datagram of %d bytes over the MTU", seed, r.Size)
			}
		}
		if st := hasEvent(cp, EventHandshakeComplete).State; st.CipherSuite != TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
			t.Fatalf("suite %v", st.CipherSuite)
		}
	}
}

// TestRetransmissionSchedule asserts RFC 6347 §4.2.4.1 exactly: a client
// whose ClientHello never gets an answer sends it at 0, 1, 3, 7, 15, 31 and
// 63 s (the timer doubling from 1 s), then every 60 s (the cap), until the
// handshake timeout closes it.
func TestRetransmissionSchedule(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 1})
	sim.SetDefaultLink(netsim.LinkConfig{Loss: 1})
	cc, _ := defaultConfigs()
	cc.HandshakeTimeout = 200 * time.Second
	client, err := NewClient(sim.Now(), shared.TransportContext{Local: clientAddr, Peer: serverAddr}, cc)
	if err != nil {
		t.Fatal(err)
	}
	cp := netsim.Collect[[]byte, []byte, Command, Event](client)
	sim.Add(cp, clientAddr)
	if err := sim.RunFor(300*time.Second, 10_000); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sim.Trace() {
		got = append(got, r.Sent.Sub(sim.Start()).String())
	}
	want := []string{"0s", "1s", "3s", "7s", "15s", "31s", "1m3s", "2m3s", "3m3s"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sent at %v, want %v", got, want)
	}
	e := hasEvent(cp, EventClosed)
	if e == nil || e.Err != ErrHandshakeTimeout {
		t.Fatalf("closed event %+v", e)
	}
	if client.Stats().Retransmits != 8 {
		t.Fatalf("retransmits %d", client.Stats().Retransmits)
	}
}

// TestNetsimMTUBackoff: the path carries only 600 bytes while the Config
// says 1200; after two retransmissions the flights are fragmented smaller
// (RFC 6347 §4.1.1.1) and the handshake completes.
func TestNetsimMTUBackoff(t *testing.T) {
	rsaC, rsaS := rsaPair()
	sim, cp, sp := simPair(t, 1, netsim.LinkConfig{Delay: 10 * time.Millisecond, MTU: 600}, func(cc, sc *Config) {
		cc.Certificate, sc.Certificate = rsaC, rsaS
		cc.PeerFingerprints, sc.PeerFingerprints = []Fingerprint{fp(rsaS)}, []Fingerprint{fp(rsaC)}
	})
	err := sim.Run(func() bool {
		return hasEvent(cp, EventHandshakeComplete) != nil && hasEvent(sp, EventHandshakeComplete) != nil
	}, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	tooBig := 0
	for _, r := range sim.Trace() {
		if r.Fate == netsim.TooBig {
			tooBig++
		}
	}
	if tooBig == 0 || sim.Elapsed() > 8*time.Second {
		t.Fatalf("too big %d, elapsed %v", tooBig, sim.Elapsed())
	}
	t.Logf("%d datagrams too big, handshake after %v", tooBig, sim.Elapsed())
}

// TestServerRetransmissionSchedule: a server whose flight never gets an
// answer resends it at 0, 1, 3, 7 and 15 s (RFC 6347 §4.2.4.1), in 548-byte
// fragments from the third transmission on (§4.1.1.1), and gives up at the
// handshake timeout.
func TestServerRetransmissionSchedule(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 1})
	sim.SetLink(serverAddr.Addr(), clientAddr.Addr(), netsim.LinkConfig{Loss: 1})
	cc, sc := defaultConfigs()
	sc.HandshakeTimeout = 20 * time.Second
	client, err := NewClient(sim.Now(), shared.TransportContext{Local: clientAddr, Peer: serverAddr}, cc)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := client.PollWrite()
	server, err := NewServer(sim.Now(), shared.TransportContext{Local: serverAddr}, sc)
	if err != nil {
		t.Fatal(err)
	}
	sp := netsim.Collect[[]byte, []byte, Command, Event](server)
	sim.Add(sp, serverAddr)
	sim.Inject(clientAddr, serverAddr, ch.Message)
	if err := sim.RunFor(60*time.Second, 10_000); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sim.Trace() {
		if r.From == serverAddr {
			got = append(got, fmt.Sprintf("%v/%v", r.Sent.Sub(sim.Start()), r.Size <= backoffMTU))
		}
	}
	want := []string{"0s/false", "1s/false", "3s/true", "3s/true", "7s/true", "7s/true", "15s/true", "15s/true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("server sent %v, want %v", got, want)
	}
	if e := hasEvent(sp, EventClosed); e == nil || e.Err != ErrHandshakeTimeout {
		t.Fatalf("closed %+v", e)
	}
}

// TestNetsimCIDNATRebinding: the client sits behind a NAT whose mapping
// lapses while the connection is idle, so its next datagram leaves from a
// new public port. With connection IDs (RFC 9146 §6) the server follows:
// EventPeerAddressChanged names the new address and the server's reply
// gets back through the new mapping. Without them, the server (bound to
// the first address) drops the client's data as from a stranger. Run with
// 10% loss and reordering, across seeds, and record_size_limit on, in DTLS
// 1.2 (RFC 9146) and 1.3 (RFC 9147 §9).
func TestNetsimCIDNATRebinding(t *testing.T) {
	for _, v := range []struct {
		version Version
		cid     bool
	}{{VersionDTLS12, true}, {VersionDTLS12, false}, {VersionDTLS13, true}, {VersionDTLS13, false}} {
		cid := v.cid
		for seed := range uint64(6) {
			link := netsim.LinkConfig{Delay: 15 * time.Millisecond, Loss: 0.1, Reorder: 0.1}
			sim, cp, sp := simPair(t, seed, link, func(cc, sc *Config) {
				cc.HandshakeTimeout, sc.HandshakeTimeout = 10*time.Minute, 10*time.Minute
				cc.MaxVersion, sc.MaxVersion = v.version, v.version
				if cid {
					cc.ConnectionIDLength, sc.ConnectionIDLength = 4, 8
					cc.RecordSizeLimit, sc.RecordSizeLimit = 256, 512
				}
			})
			nat := sim.AddNAT(netsim.NATConfig{Public: netip.MustParseAddr("203.0.113.50"), MappingTimeout: 30 * time.Second}, clientAddr.Addr())
			err := sim.Run(func() bool {
				return hasEvent(cp, EventHandshakeComplete) != nil && hasEvent(sp, EventHandshakeComplete) != nil
			}, 100_000)
			if err != nil {
				t.Fatalf("%v cid %v seed %d: %v", v.version, cid, seed, err)
			}
			first := sp.P.(*Conn).Transport().Peer
			// Idle past the mapping timeout: the next datagram gets a new
			// external port.
			if err := sim.RunFor(time.Minute, 10_000); err != nil {
				t.Fatal(err)
			}
			for i := 0; len(sp.Reads) == 0 && i < 50; i++ {
				noErr(t, cp.P.HandleWrite([]byte("after rebinding")))
				if err := sim.RunFor(100*time.Millisecond, 10_000); err != nil {
					t.Fatal(err)
				}
			}
			srv := sp.P.(*Conn)
			if !cid {
				if len(sp.Reads) != 0 || srv.Stats().WrongSource == 0 || srv.Transport().Peer != first || hasEvent(sp, EventPeerAddressChanged) != nil {
					t.Fatalf("seed %d without CIDs: reads %q, stats %+v", seed, sp.Reads, srv.Stats())
				}
				continue
			}
			if len(sp.Reads) == 0 || string(sp.Reads[0]) != "after rebinding" {
				t.Fatalf("%v seed %d: server read %q, stats %+v", v.version, seed, sp.Reads, srv.Stats())
			}
			ev := hasEvent(sp, EventPeerAddressChanged)
			now := srv.Transport().Peer
			if ev == nil || now == first || ev.Transport.Peer != now || now.Addr() != nat.Public() || nat.Stats().Mappings < 2 {
				t.Fatalf("seed %d: peer %v (was %v), event %+v, NAT %+v", seed, now, first, ev, nat.Stats())
			}
			// The server's answer reaches the client through the new mapping.
			for i := 0; len(cp.Reads) == 0 && i < 50; i++ {
				noErr(t, srv.HandleWrite([]byte("reply")))
				if err := sim.RunFor(100*time.Millisecond, 10_000); err != nil {
					t.Fatal(err)
				}
			}
			if len(cp.Reads) == 0 || string(cp.Reads[0]) != "reply" {
				t.Fatalf("seed %d: client read %q", seed, cp.Reads)
			}
		}
	}
}

// TestNetsimRecordSizeLimit12: record_size_limit (RFC 8449) negotiated in a
// DTLS 1.2 handshake under 20% loss and reordering, across seeds: each side
// then sends application data up to MaxPayload, and no protected record on
// the wire carries more plaintext than the receiver's limit (its length
// less the GCM overhead of 8 + 16 bytes).
func TestNetsimRecordSizeLimit12(t *testing.T) {
	for seed := range uint64(8) {
		link := netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.2, Reorder: 0.2}
		sim, cp, sp := simPair(t, seed, link, func(cc, sc *Config) {
			cc.HandshakeTimeout, sc.HandshakeTimeout = 10*time.Minute, 10*time.Minute
			cc.RecordSizeLimit, sc.RecordSizeLimit = 150, 100
		})
		err := sim.Run(func() bool {
			return hasEvent(cp, EventHandshakeComplete) != nil && hasEvent(sp, EventHandshakeComplete) != nil
		}, 100_000)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		c, s := cp.P.(*Conn), sp.P.(*Conn)
		established := sim.Now()
		if c.MaxPayload() != 100 || s.MaxPayload() != 150 {
			t.Fatalf("seed %d: MaxPayload client %d server %d", seed, c.MaxPayload(), s.MaxPayload())
		}
		for i := 0; (len(sp.Reads) == 0 || len(cp.Reads) == 0) && i < 50; i++ {
			noErr(t, c.HandleWrite(make([]byte, 100)))
			noErr(t, s.HandleWrite(make([]byte, 150)))
			if err := sim.RunFor(100*time.Millisecond, 10_000); err != nil {
				t.Fatal(err)
			}
		}
		if len(sp.Reads) == 0 || len(cp.Reads) == 0 {
			t.Fatalf("seed %d: no data", seed)
		}
		largest := map[netip.AddrPort]int{}
		for _, r := range sim.Trace() {
			// Application data records travel alone in their datagram;
			// retransmitted handshake flights (epoch 0, not subject to
			// the limit) are not application data.
			if r.Sent.Before(established) || r.Payload[0] != byte(ContentApplicationData) {
				continue
			}
			largest[r.From] = max(largest[r.From], r.Size)
		}
		// Exactly at the limits, not over: 100 bytes to the server, 150 to
		// the client, plus the 13-byte header and the GCM nonce and tag.
		if largest[clientAddr] != recordHeaderLen+24+100 || largest[serverAddr] != recordHeaderLen+24+150 {
			t.Fatalf("seed %d: largest records %v", seed, largest)
		}
		if s.Stats().LimitExceeded != 0 || c.Stats().LimitExceeded != 0 {
			t.Fatalf("seed %d: records over a limit", seed)
		}
	}
}
