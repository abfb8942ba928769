package stun

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	ours "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// roundTrip drives an rtc-stun Client over a real UDP socket until the
// transaction ends: the sans-I/O loop (PollWrite, PollTimeout, HandleRead,
// HandleTimeout) in miniature.
func roundTrip(t *testing.T, conn *net.UDPConn, c *ours.Client, server netip.AddrPort, req []byte) ours.Event {
	t.Helper()
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	path := shared.TransportContext{Local: local, Peer: server}
	if err := c.HandleWrite(shared.TaggedBytes{Now: time.Now(), Transport: path, Message: req}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for {
			out, ok := c.PollWrite()
			if !ok {
				break
			}
			if _, err := conn.WriteToUDPAddrPort(out.Message, out.Transport.Peer); err != nil {
				t.Fatal(err)
			}
		}
		if ev, ok := c.PollEvent(); ok {
			return ev
		}
		wake := time.Now().Add(100 * time.Millisecond)
		if d, ok := c.PollTimeout(); ok && d.Before(wake) {
			wake = d
		}
		n, from, timedOut, err := peers.ReadUDP(conn, buf, wake)
		switch {
		case err != nil:
			t.Fatal(err)
		case timedOut:
			if err := c.HandleTimeout(time.Now()); err != nil {
				t.Fatal(err)
			}
		default:
			// A stray or duplicate answer matches nothing: expected, counted.
			if err := c.HandleRead(shared.TaggedBytes{Now: time.Now(), Transport: shared.TransportContext{Local: local, Peer: from}, Message: buf[:n]}); err != nil && !errors.Is(err, ours.ErrUnmatchedResponse) {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("no outcome in 10 s")
	return ours.Event{}
}

// rtc-stun against coturn on loopback: a Binding request returns our own
// address in XOR-MAPPED-ADDRESS with a valid FINGERPRINT; an Allocate
// without credentials gets 401 with REALM and NONCE; the retry with the
// long-term key (MD5 of "test:test:test") succeeds with
// XOR-RELAYED-ADDRESS and LIFETIME, and its MESSAGE-INTEGRITY verifies.
func TestCoturn(t *testing.T) {
	// coturn with the flags of BROWSERS.md and --fingerprint.
	server := peers.StartCoturn(t, "--fingerprint")
	conn := peers.ListenUDP(t)
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	c := ours.NewClient(ours.Config{RTO: 100 * time.Millisecond})

	// coturn needs a moment to bind; the client's retransmissions cover it.
	id, err := ours.NewTransactionID(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := ours.NewBuilder(nil, ours.BindingRequest, id)
	b.AddSoftware("sansrtc")
	b.AddFingerprint()
	req, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ev := roundTrip(t, conn, c, server, req)
	if ev.Kind != ours.EventResponse {
		t.Fatalf("binding: %v", ev.Kind)
	}
	var m ours.Message
	if err := ours.Parse(ev.Response, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != ours.BindingSuccess {
		t.Fatalf("binding: %v", m.Type)
	}
	if a, err := m.XORMappedAddress(); err != nil || a != local {
		t.Errorf("XOR-MAPPED-ADDRESS %v %v, want %v", a, err, local)
	}
	if m.HasFingerprint() {
		if err := m.CheckFingerprint(); err != nil {
			t.Errorf("coturn FINGERPRINT: %v", err)
		}
	}
	sw, err := m.Software()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("coturn: %s, %d transmissions, rtt %v", sw, ev.Transmissions, ev.RTT)

	allocate := ours.MessageType{Method: ours.MethodAllocate, Class: ours.ClassRequest}
	id, err = ours.NewTransactionID(nil)
	if err != nil {
		t.Fatal(err)
	}
	b = ours.NewBuilder(nil, allocate, id)
	b.AddRequestedTransport(17)
	req, err = b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ev = roundTrip(t, conn, c, server, req)
	if err := ours.Parse(ev.Response, &m); err != nil {
		t.Fatal(err)
	}
	code, _, err := m.ErrorCode()
	if m.Type.Class != ours.ClassError || code != ours.CodeUnauthorized || err != nil {
		t.Fatalf("unauthenticated Allocate: %v %v %v", m.Type, code, err)
	}
	realm, err := m.Realm()
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := m.Nonce()
	if err != nil {
		t.Fatal(err)
	}
	realmS, nonceS := string(realm), string(nonce)

	key, err := turn.LongTermKey(ours.PasswordAlgorithmMD5, "test", realmS, "test")
	if err != nil {
		t.Fatal(err)
	}
	in := ours.NewIntegrity(key)
	id, err = ours.NewTransactionID(nil)
	if err != nil {
		t.Fatal(err)
	}
	b = ours.NewBuilder(nil, allocate, id)
	b.AddRequestedTransport(17)
	b.AddUsername("test")
	b.AddRealm(realmS)
	b.AddNonce(nonceS)
	b.AddMessageIntegrity(in)
	b.AddFingerprint()
	req, err = b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ev = roundTrip(t, conn, c, server, req)
	if err := ours.Parse(ev.Response, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type.Class != ours.ClassSuccess {
		code, reason, err := m.ErrorCode()
		if err != nil {
			t.Fatal(err)
		}
		t.Fatalf("authenticated Allocate: %v %d %s", m.Type, code, reason)
	}
	if err := in.Check(&m); err != nil {
		t.Errorf("coturn MESSAGE-INTEGRITY: %v", err)
	}
	relayed, err := m.XORRelayedAddress()
	if err != nil || !relayed.Addr().IsLoopback() {
		t.Errorf("XOR-RELAYED-ADDRESS %v %v", relayed, err)
	}
	life, err := m.Lifetime()
	if err != nil || life == 0 {
		t.Errorf("LIFETIME %d %v", life, err)
	}
	t.Logf("allocated %v for %ds", relayed, life)
}
