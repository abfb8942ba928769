package ice

import (
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// FuzzParseCandidate: parsing never panics, and what parses formats to a
// string that parses back to the same candidate.
func FuzzParseCandidate(f *testing.F) {
	for _, s := range loadTrickle(f) {
		f.Add(s)
	}
	f.Add("candidate:2 1 udp 2113937151 0b5e7c1d-aa.local 54321 typ host generation 0")
	f.Add("candidate:3 1 tcp 1518280447 192.0.2.4 9 typ host tcptype active generation 0")
	f.Add("candidate:1 1 udp 1 2001:db8::1 5000 typ srflx raddr :: rport 0")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCandidate(s)
		if err != nil {
			return
		}
		c2, err := ParseCandidate(c.String())
		if err != nil {
			t.Fatalf("%q formats to %q which fails: %v", s, c.String(), err)
		}
		if c2.String() != c.String() {
			t.Fatalf("round trip %q -> %q", c.String(), c2.String())
		}
	})
}

// FuzzAgentSTUN drives an agent with random STUN messages from random
// addresses. The input is a sequence of records: one byte picks the source
// address and whether the message is re-signed with the agent's password
// (so authenticated paths are reached) and whether it arrives over TCP
// (framed when re-signed), one byte the time step, two bytes
// the length, then the message.
func FuzzAgentSTUN(f *testing.F) {
	for i, useCand := range []bool{false, true} {
		m := checkFromRemote(byte(i), useCand)
		rec := append([]byte{0x80, 5, 0, byte(len(m))}, m...)
		f.Add(rec)
		f.Add(append(append([]byte(nil), rec...), rec...))
		f.Add(append([]byte{0xC0, 5, 0, byte(len(m))}, m...))
	}
	resp := stun.NewBuilder(nil, stun.BindingSuccess, stun.TransactionID{1})
	resp.AddXORMappedAddress(netip.MustParseAddrPort("203.0.113.9:7000"))
	r := mustBytes(&resp)
	f.Add(append([]byte{0x81, 1, 0, byte(len(r))}, r...))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := newTestAgent(t, Config{MaxQueue: 64})
		must(t, a.AddLocalAddress(testLocal, shared.TCP))
		now := testStart
		for len(data) >= 4 {
			sel, dt, n := data[0], data[1], int(data[2])<<8|int(data[3])
			data = data[4:]
			if n > len(data) {
				n = len(data)
			}
			msg := append([]byte(nil), data[:n]...)
			data = data[n:]
			if sel&0x80 != 0 {
				msg = resign(msg)
			}
			peer := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, 2 + sel&3}), 6000+uint16(sel>>2&3))
			now = now.Add(time.Duration(dt) * 10 * time.Millisecond)
			tr := shared.TransportContext{Local: testLocal, Peer: peer}
			if sel&0x40 != 0 {
				// Over TCP: frame it (RFC 4571) unless the fuzzer wants raw bytes.
				tr.Protocol = shared.TCP
				if sel&0x80 != 0 {
					msg = append([]byte{byte(len(msg) >> 8), byte(len(msg))}, msg...)
				}
			}
			wantDropped(t, a.HandleRead(shared.TaggedBytes{Now: now, Transport: tr, Message: msg}))
			must(t, a.HandleTimeout(now))
			if d, ok := a.PollTimeout(); ok && d.Before(now) {
				t.Fatalf("deadline %v before now %v", d, now)
			}
			drainAll(a)
		}
	})
}

// resign rebuilds a parsable STUN message with the agent's integrity and a
// fingerprint, keeping its type, ID and other attributes.
func resign(msg []byte) []byte {
	var m stun.Message
	if stun.Parse(msg, &m) != nil {
		return msg
	}
	b := stun.NewBuilder(nil, m.Type, m.TransactionID)
	for _, at := range m.All() {
		switch at.Type {
		case stun.AttrMessageIntegrity, stun.AttrMessageIntegritySHA256, stun.AttrFingerprint:
			continue
		}
		b.Add(at.Type, at.Value)
	}
	b.AddMessageIntegrity(stun.NewIntegrity([]byte(testLocalPwd)))
	b.AddFingerprint()
	out, err := b.Bytes()
	if err != nil {
		return msg
	}
	return out
}
