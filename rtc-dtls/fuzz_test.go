package dtls

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sansrtc/rtc/rtc-shared"
)

// seedData is one real handshake: every datagram each side sent, and every
// handshake message body by type.
type seedData struct {
	fromClient, fromServer [][]byte
	bodies                 map[HandshakeType][][]byte
}

var (
	seedOnce sync.Once
	seeds    seedData
)

func handshakeSeeds(tb testing.TB) *seedData {
	seedOnce.Do(func() {
		seeds.bodies = map[HandshakeType][][]byte{}
		for _, rsa := range []bool{false, true} {
			t := &testing.T{}
			cc, sc := defaultConfigs()
			sc.HelloVerify = true
			if rsa {
				cc.Certificate, sc.Certificate = rsaPair()
				cc.PeerFingerprints, sc.PeerFingerprints = nil, nil
				cc.InsecureSkipVerify, sc.InsecureSkipVerify = true, true
				cc.ALPN, sc.ALPN = []string{"webrtc"}, []string{"webrtc"}
			}
			p := newTestPair(t, cc, sc)
			p.filter = func(fromClient bool, dg []byte) bool {
				cp := append([]byte(nil), dg...)
				if fromClient {
					seeds.fromClient = append(seeds.fromClient, cp)
				} else {
					seeds.fromServer = append(seeds.fromServer, cp)
				}
				for b := cp; len(b) > 0; {
					h, frag, rest, err := ParseRecord(b)
					if err != nil {
						break
					}
					b = rest
					if h.Type != ContentHandshake || h.Epoch != 0 {
						continue
					}
					for f := frag; len(f) > 0; {
						hh, body, r, err := parseHandshakeFragment(f)
						if err != nil {
							break
						}
						if hh.FragmentOffset == 0 && hh.FragmentLength == hh.Length {
							seeds.bodies[hh.Type] = append(seeds.bodies[hh.Type], body)
						}
						f = r
					}
				}
				return true
			}
			p.handshake(10)
			noErr(t, p.client.HandleWrite([]byte("data")))
			p.pump()
		}
	})
	return &seeds
}

func FuzzParseRecord(f *testing.F) {
	for _, dg := range handshakeSeeds(f).fromClient {
		f.Add(dg)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, frag, rest, err := ParseRecord(b)
		if err != nil {
			return
		}
		out := append(h.AppendTo(nil), frag...)
		if !bytes.Equal(out, b[:len(b)-len(rest)]) {
			t.Fatalf("round trip: %x vs %x", out, b)
		}
	})
}

func FuzzParseHandshakeFragment(f *testing.F) {
	for _, bodies := range handshakeSeeds(f).bodies {
		for _, body := range bodies {
			f.Add(appendMessage(nil, TypeCertificate, 1, body))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, rest, err := parseHandshakeFragment(b)
		if err != nil {
			return
		}
		out := append(h.AppendTo(nil), body...)
		if !bytes.Equal(out, b[:len(b)-len(rest)]) {
			t.Fatal("round trip")
		}
	})
}

// fuzzMessage checks that a message parser never panics and that what it
// accepts re-encodes to something it accepts again, identically.
func fuzzMessage(f *testing.F, typ HandshakeType, parse func([]byte) ([]byte, error)) {
	for _, b := range handshakeSeeds(f).bodies[typ] {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b1, err := parse(b)
		if err != nil || b1 == nil {
			return
		}
		b2, err := parse(b1)
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("unstable encoding:\n%x\n%x", b1, b2)
		}
	})
}

func FuzzClientHello(f *testing.F) {
	fuzzMessage(f, TypeClientHello, func(b []byte) ([]byte, error) {
		m, err := parseClientHello(b)
		if err != nil {
			return nil, err
		}
		return m.Append(nil), nil
	})
}

func FuzzServerHello(f *testing.F) {
	fuzzMessage(f, TypeServerHello, func(b []byte) ([]byte, error) {
		m, err := parseServerHello(b)
		if err != nil {
			return nil, err
		}
		return m.Append(nil), nil
	})
}

func FuzzHelloVerifyRequest(f *testing.F) {
	fuzzMessage(f, TypeHelloVerifyRequest, func(b []byte) ([]byte, error) {
		m, err := parseHelloVerifyRequest(b)
		if err != nil {
			return nil, err
		}
		return m.Append(nil), nil
	})
}

func FuzzCertificate(f *testing.F) {
	fuzzMessage(f, TypeCertificate, func(b []byte) ([]byte, error) {
		m, err := parseCertificate(b, 16)
		if err != nil {
			return nil, err
		}
		return appendCertificate(nil, m), nil
	})
}

func FuzzServerKeyExchange(f *testing.F) {
	fuzzMessage(f, TypeServerKeyExchange, func(b []byte) ([]byte, error) {
		m, err := parseServerKeyExchange(b)
		if err != nil {
			return nil, err
		}
		if len(m.PublicKey) > 255 {
			return nil, nil
		}
		return m.Append(nil), nil
	})
}

func FuzzCertificateRequest(f *testing.F) {
	fuzzMessage(f, TypeCertificateRequest, func(b []byte) ([]byte, error) {
		m, err := parseCertificateRequest(b)
		if err != nil {
			return nil, err
		}
		return m.Append(nil), nil
	})
}

func FuzzClientKeyExchange(f *testing.F) {
	fuzzMessage(f, TypeClientKeyExchange, func(b []byte) ([]byte, error) {
		pub, err := parseClientKeyExchange(b)
		if err != nil {
			return nil, err
		}
		return append([]byte{byte(len(pub))}, pub...), nil
	})
}

func FuzzCertificateVerify(f *testing.F) {
	fuzzMessage(f, TypeCertificateVerify, func(b []byte) ([]byte, error) {
		m, err := parseCertificateVerify(b)
		if err != nil {
			return nil, err
		}
		return m.Append(nil), nil
	})
}

func FuzzFinished(f *testing.F) {
	f.Add(make([]byte, 12))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parseFinished(b)
		if err == nil && len(v) != 12 {
			t.Fatal("accepted a Finished that is not 12 bytes")
		}
	})
}

// fuzzFlights feeds a fresh Conn a sequence of datagrams cut from the fuzz
// input (2-byte length prefixes), with timer firings in between. It must
// never panic, never report a deadline in the past and keep its queues
// bounded.
func fuzzFlights(t *testing.T, c *Conn, in []byte) {
	now := epoch0
	for len(in) >= 2 {
		n := int(in[0])<<8 | int(in[1])
		in = in[2:]
		if n > len(in) {
			n = len(in)
		}
		dg := in[:n]
		in = in[n:]
		if n == 0 {
			now = now.Add(700 * time.Millisecond)
			if err := c.HandleTimeout(now); err != nil && !errors.Is(err, ErrHandshakeTimeout) && !acceptable(err) {
				t.Fatalf("HandleTimeout: %v", err)
			}
		} else {
			if err := c.HandleRead(shared.TaggedBytes{Now: now, Transport: c.Transport(), Message: dg}); err != nil && !errors.Is(err, ErrClosed) && !acceptable(err) {
				t.Fatalf("HandleRead: %v", err)
			}
		}
		if d, ok := c.PollTimeout(); ok && d.Before(now) {
			t.Fatal("deadline in the past")
		}
		for {
			if _, ok := c.PollWrite(); !ok {
				break
			}
		}
		for {
			if _, ok := c.PollEvent(); !ok {
				break
			}
		}
		for {
			if _, ok := c.PollRead(); !ok {
				break
			}
		}
	}
}

func framed(dgs ...[]byte) []byte {
	var out []byte
	for _, d := range dgs {
		out = append(out, byte(len(d)>>8), byte(len(d)))
		out = append(out, d...)
	}
	return out
}

func FuzzServerFlights(f *testing.F) {
	s := handshakeSeeds(f)
	f.Add(framed(s.fromClient...))
	f.Add(framed(s.fromClient[0], nil, s.fromClient[0]))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, sc := defaultConfigs()
		sc.Rand = newSeededRand("fuzz")
		sc.InsecureSkipVerify = true
		sc.HelloVerify = len(in)%2 == 0
		c, err := NewServer(epoch0, shared.TransportContext{Local: serverAddr, Peer: clientAddr}, sc)
		if err != nil {
			t.Fatal(err)
		}
		fuzzFlights(t, c, in)
	})
}

func FuzzClientFlights(f *testing.F) {
	s := handshakeSeeds(f)
	f.Add(framed(s.fromServer...))
	f.Fuzz(func(t *testing.T, in []byte) {
		cc, _ := defaultConfigs()
		cc.Rand = newSeededRand("fuzz")
		cc.InsecureSkipVerify = true
		c, err := NewClient(epoch0, shared.TransportContext{Local: clientAddr, Peer: serverAddr}, cc)
		if err != nil {
			t.Fatal(err)
		}
		fuzzFlights(t, c, in)
	})
}

// FuzzHandshakeSchedule runs a real client and server through a network
// whose every decision comes from the fuzz input: each datagram is
// delivered, dropped, duplicated or held back and delivered later, and
// timers fire when the input says so. Once the input is used up the
// network becomes perfect, and the handshake must then complete: no
// ordering of genuine datagrams may wedge or kill it.
func FuzzHandshakeSchedule(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 2, 0, 3, 3, 0, 4})
	f.Add(bytes.Repeat([]byte{2}, 20))
	f.Add([]byte{3, 3, 3, 0, 0, 1, 1, 4, 4, 2, 0})
	f.Fuzz(func(t *testing.T, sched []byte) {
		cc, sc := defaultConfigs()
		cc.Rand, sc.Rand = newSeededRand("fc"), newSeededRand("fs")
		// The fuzzed network may be a black hole for as long as the input
		// lasts; only what happens after it counts.
		cc.HandshakeTimeout, sc.HandshakeTimeout = 1e6*time.Hour, 1e6*time.Hour
		cc.MTU, sc.MTU = 300, 300
		sc.HelloVerify = len(sched)%3 == 0
		p := newTestPair(t, cc, sc)
		type held struct {
			toServer bool
			dg       []byte
		}
		var hold []held
		next := func() byte {
			if len(sched) == 0 {
				return 0
			}
			b := sched[0]
			sched = sched[1:]
			return b
		}
		deliver := func(toServer bool, dg []byte) {
			c, tr := p.client, shared.TransportContext{Local: clientAddr, Peer: serverAddr}
			if toServer {
				c, tr = p.server, shared.TransportContext{Local: serverAddr, Peer: clientAddr}
			}
			// Genuine datagrams in any order: dropped (duplicates, early
			// records) or accepted; never anything else.
			if err := c.HandleRead(shared.TaggedBytes{Now: p.now, Transport: tr, Message: dg}); err != nil && !errors.Is(err, ErrDropped) && !errors.Is(err, ErrClosed) {
				t.Fatalf("HandleRead: %v", err)
			}
		}
		maxSteps := 2000 + 4*len(sched) // the fuzzed phase, then the perfect one
		for step := 0; step < maxSteps; step++ {
			if p.established() {
				return
			}
			if p.client.state == stateClosed || p.server.state == stateClosed {
				t.Fatalf("closed: client %v server %v", p.client.err, p.server.err)
			}
			moved := false
			for _, fromClient := range []bool{true, false} {
				c := p.server
				if fromClient {
					c = p.client
				}
				for {
					dg, ok := c.PollWrite()
					if !ok {
						break
					}
					moved = true
					switch next() % 5 {
					case 0:
						deliver(fromClient, dg.Message)
					case 1: // lost
					case 2:
						deliver(fromClient, dg.Message)
						deliver(fromClient, dg.Message)
					case 3:
						hold = append(hold, held{fromClient, dg.Message})
					case 4:
						deliver(fromClient, dg.Message)
						if len(hold) > 0 {
							h := hold[0]
							hold = hold[1:]
							deliver(h.toServer, h.dg)
						}
					}
				}
			}
			p.drain()
			if !moved {
				if len(hold) > 0 {
					for _, h := range hold {
						deliver(h.toServer, h.dg)
					}
					hold = nil
					continue
				}
				if !p.advance() {
					t.Fatal("no deadline and not established")
				}
			}
		}
		t.Fatalf("not established after %d steps: client %v/%v server %v/%v", maxSteps, p.client.state, p.client.step, p.server.state, p.server.step)
	})
}

// FuzzEstablished feeds an established connection hostile input inside the
// encryption (issue 11): records of the current epoch that the peer seals
// with the real keys, whose plaintext (handshake, alert, change_cipher_spec,
// application data or an unknown type) comes from the fuzz input. The
// connection must never panic; each record is accepted, dropped or ends
// the connection with an alert; and while it stays established,
// application data still flows both ways.
//
// Input: records of [target byte][type byte][length byte][payload]; bit 0
// of target picks the client or the server as the victim.
func FuzzEstablished(f *testing.F) {
	f.Add([]byte{0, 22, 4, 0, 0, 0, 0})                              // HelloRequest
	f.Add([]byte{1, 22, 12, 1, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0})     // ClientHello header, no body
	f.Add([]byte{0, 21, 2, 1, 100, 1, 21, 2, 2, 40})                 // alerts
	f.Add([]byte{0, 20, 1, 1, 1, 23, 3, 'a', 'b', 'c', 0, 99, 1, 0}) // CCS, data, unknown type
	f.Add(append([]byte{1, 22, 24}, appendMessage(nil, TypeFinished, 5, make([]byte, 12))...))
	f.Fuzz(func(t *testing.T, in []byte) {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		p.handshake(10)
		if !p.established() {
			t.Fatal("no handshake")
		}
		for len(in) >= 3 {
			victim, peer := p.client, p.server
			if in[0]&1 == 1 {
				victim, peer = p.server, p.client
			}
			typ, n := ContentType(in[1]), min(int(in[2]), len(in)-3)
			payload := in[3 : 3+n]
			in = in[3+n:]
			if peer.state != stateEstablished || victim.state != stateEstablished {
				break
			}
			rec, err := peer.sealRecord(nil, typ, 1, payload)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.inject(victim, peerOf(victim), rec); !acceptable(err) {
				t.Fatalf("%v record %x: %v", typ, payload, err)
			}
			p.pump()
		}
		if p.client.state != stateEstablished || p.server.state != stateEstablished {
			return // ended by an alert: allowed
		}
		p.cReads, p.sReads = nil, nil
		if err := p.client.HandleWrite([]byte("c")); err != nil {
			t.Fatal(err)
		}
		if err := p.server.HandleWrite([]byte("s")); err != nil {
			t.Fatal(err)
		}
		p.pump()
		if len(p.sReads) != 1 || len(p.cReads) != 1 {
			t.Fatalf("data after the fuzzed records: server read %q, client read %q", p.sReads, p.cReads)
		}
	})
}
