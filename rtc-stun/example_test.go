package stun_test

import (
	"fmt"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// An ICE agent answers a connectivity check: decode the Binding request,
// check FINGERPRINT and MESSAGE-INTEGRITY with its own ice-pwd, read the ICE
// attributes, and send a success response with XOR-MAPPED-ADDRESS,
// MESSAGE-INTEGRITY and FINGERPRINT.
func Example_bindingRequest() {
	integrity := stun.NewIntegrity([]byte("local-ice-password-0123456789"))
	from := netip.MustParseAddrPort("192.0.2.10:50000")

	// What the peer sent (built here for the example).
	req := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	req.AddUsername("lfrag:rfrag")
	req.AddPriority(1845494271)
	req.AddICEControlling(42)
	req.AddUseCandidate()
	req.AddMessageIntegrity(integrity)
	req.AddFingerprint()
	datagram := must(req.Bytes())

	var m stun.Message
	if err := stun.Parse(datagram, &m); err != nil {
		fmt.Println("drop:", err)
		return
	}
	if err := m.CheckFingerprint(); err != nil {
		fmt.Println("drop:", err)
		return
	}
	if err := integrity.Check(&m); err != nil {
		fmt.Println("401:", err)
		return
	}
	user := must(m.Username())
	prio := must(m.Priority())
	tie := must(m.ICEControlling())
	fmt.Printf("%v from %s: priority %d, controlling %d, nominated %v\n", m.Type, user, prio, tie, m.UseCandidate())

	buf := make([]byte, 0, 128)
	b := stun.NewBuilder(buf, stun.BindingSuccess, m.TransactionID)
	b.AddXORMappedAddress(from)
	b.AddMessageIntegrity(integrity)
	b.AddFingerprint()
	resp, err := b.Bytes()
	fmt.Println(len(resp), "bytes", err)

	var r stun.Message
	check(stun.Parse(resp, &r))
	mapped := must(r.XORMappedAddress())
	fmt.Println(r.Type, mapped, integrity.Check(&r) == nil, r.CheckFingerprint() == nil)
	// Output:
	// Binding request from lfrag:rfrag: priority 1845494271, controlling 42, nominated true
	// 64 bytes <nil>
	// Binding success response 192.0.2.10:50000 true true
}

// A server answers a request carrying an unknown comprehension-required
// attribute with 420 and UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1.1).
func ExampleMessage_UnknownRequired() {
	b := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{})
	b.Add(stun.AttrType(0x0042), []byte("?"))
	raw := must(b.Bytes())
	var m stun.Message
	check(stun.Parse(raw, &m))
	if unknown := m.UnknownRequired(nil); len(unknown) > 0 {
		r := stun.NewBuilder(nil, stun.BindingError, m.TransactionID)
		r.AddErrorCode(stun.CodeUnknownAttribute, "")
		r.AddUnknownAttributes(unknown)
		resp := must(r.Bytes())
		var e stun.Message
		check(stun.Parse(resp, &e))
		code, reason, err := e.ErrorCode()
		check(err)
		list := must(e.UnknownAttributes(nil))
		fmt.Println(int(code), string(reason), list)
	}
	// Output:
	// 420 Unknown Attribute [0x42]
}

// The client transaction drive loop: hand the request to HandleWrite, send
// what PollWrite returns, feed what arrives to HandleRead, call
// HandleTimeout at PollTimeout, and read the outcome from PollEvent. Here
// the first two transmissions are lost and the server answers the third.
func ExampleClient() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	path := shared.TransportContext{
		Local: netip.MustParseAddrPort("192.0.2.1:5000"),
		Peer:  netip.MustParseAddrPort("198.51.100.1:3478"),
	}
	c := stun.NewClient(stun.Config{}) // RTO 500 ms, Rc 7, Rm 16
	id := stun.TransactionID{0xA, 0xB, 0xC}
	b := stun.NewBuilder(nil, stun.BindingRequest, id)
	b.AddFingerprint()
	req := must(b.Bytes())
	check(c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: path, Message: req}))

	now := t0
	for sent := 1; ; sent++ {
		out, ok := c.PollWrite()
		if !ok {
			break
		}
		fmt.Printf("send #%d at %v\n", sent, out.Now.Sub(t0))
		if sent < 3 {
			deadline, _ := c.PollTimeout() // lost: wait for the retransmission
			now = deadline
			check(c.HandleTimeout(now))
			continue
		}
		// The server's answer arrives 40 ms later.
		var m stun.Message
		check(stun.Parse(out.Message, &m))
		r := stun.NewBuilder(nil, stun.BindingSuccess, m.TransactionID)
		r.AddXORMappedAddress(netip.MustParseAddrPort("203.0.113.9:61000"))
		resp := must(r.Bytes())
		now = now.Add(40 * time.Millisecond)
		check(c.HandleRead(shared.TaggedBytes{Now: now, Transport: path, Message: resp}))
	}
	ev, ok := c.PollEvent()
	if !ok {
		panic("no outcome")
	}
	var m stun.Message
	check(stun.Parse(ev.Response, &m))
	mapped := must(m.XORMappedAddress())
	fmt.Println(ev.Kind, ev.Transmissions, ev.RTT, mapped)
	// Output:
	// send #1 at 0s
	// send #2 at 500ms
	// send #3 at 1.5s
	// response 3 1.54s 203.0.113.9:61000
}

// check stops an example on an error; a real program handles it.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

// must returns v, stopping the example on an error.
func must[T any](v T, err error) T {
	check(err)
	return v
}
