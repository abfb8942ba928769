package dtls

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sansrtc/rtc/rtc-shared"
)

// mutateHandshake applies f to the body of every plaintext handshake
// fragment of type typ in the datagram (in place).
func mutateHandshake(dg []byte, typ HandshakeType, f func(body []byte)) bool {
	hit := false
	for b := dg; len(b) > 0; {
		h, frag, rest, err := ParseRecord(b)
		if err != nil {
			return hit
		}
		b = rest
		if h.Type != ContentHandshake || h.Epoch != 0 {
			continue
		}
		for fr := frag; len(fr) > 0; {
			hh, body, r, err := parseHandshakeFragment(fr)
			if err != nil {
				break
			}
			if hh.Type == typ {
				f(body)
				hit = true
			}
			fr = r
		}
	}
	return hit
}

// A tampered handshake fails with the alert RFC 5246 prescribes, on the
// side that detects it.
func TestTamperedHandshake(t *testing.T) {
	cases := []struct {
		name       string
		fromClient bool
		typ        HandshakeType
		mutate     func(b []byte)
		detector   string
		alert      Alert
	}{
		// RFC 5246 §7.4.3: a ServerKeyExchange signature that fails.
		{"ServerKeyExchange signature", false, TypeServerKeyExchange, func(b []byte) { b[len(b)-5] ^= 1 }, "client", AlertDecryptError},
		// RFC 5246 §7.4.8: a CertificateVerify signature that fails.
		{"CertificateVerify signature", true, TypeCertificateVerify, func(b []byte) { b[len(b)-5] ^= 1 }, "server", AlertDecryptError},
		// A changed message the signatures do not cover directly: the
		// transcripts differ, so CertificateVerify fails.
		{"CertificateRequest types", false, TypeCertificateRequest, func(b []byte) { b[1] ^= 0x80 }, "server", AlertDecryptError},
		// An invalid ECDHE point.
		{"ClientKeyExchange point", true, TypeClientKeyExchange, func(b []byte) { b[2] ^= 0xff }, "server", AlertIllegalParameter},
		// A truncated-looking message.
		{"ServerHello garbage", false, TypeServerHello, func(b []byte) { b[34] = 200 }, "client", AlertDecodeError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc, sc := defaultConfigs()
			cc.Groups = []Group{GroupP256} // the point check needs a NIST curve
			p := newTestPair(t, cc, sc)
			done := false
			p.filter = func(fromClient bool, dg []byte) bool {
				if fromClient == tc.fromClient && !done && mutateHandshake(dg, tc.typ, tc.mutate) {
					done = true
				}
				return true
			}
			p.handshake(5)
			if !done {
				t.Fatal("message not found")
			}
			c := p.client
			if tc.detector == "server" {
				c = p.server
			}
			var ae *AlertError
			if !errors.As(c.Err(), &ae) || ae.Remote || ae.Alert != tc.alert {
				t.Fatalf("%s err %v, want sent %v", tc.detector, c.Err(), tc.alert)
			}
		})
	}
}

func TestAccessorsAndExporter(t *testing.T) {
	cc, sc := defaultConfigs()
	p := newTestPair(t, cc, sc)
	if p.client.MaxPayload() != 0 || !p.client.IsClient() || p.server.IsClient() {
		t.Fatal("accessors before the handshake")
	}
	if _, ok := p.client.ConnectionState(); ok {
		t.Fatal("state before the handshake")
	}
	if _, err := p.client.ExportKeyingMaterial("x", nil, 8); err != ErrHandshakeNotDone {
		t.Fatal(err)
	}
	mustHandshake(t, p)
	if p.client.MaxPayload() != 1200-13-24 {
		t.Fatalf("max payload %d", p.client.MaxPayload())
	}
	if err := p.client.HandleEvent(Command{}); err != nil {
		t.Fatal(err)
	}
	// RFC 5705 §4: an empty context differs from no context.
	a, err1 := p.client.ExportKeyingMaterial("EXPORTER-test", nil, 32)
	b, err2 := p.client.ExportKeyingMaterial("EXPORTER-test", []byte{}, 32)
	c, err3 := p.server.ExportKeyingMaterial("EXPORTER-test", []byte{}, 32)
	noErr(t, errors.Join(err1, err2, err3))
	if bytes.Equal(a, b) || !bytes.Equal(b, c) {
		t.Fatal("exporter contexts")
	}
	// SetTransport changes where datagrams go.
	other := shared.TransportContext{Local: clientAddr, Peer: netipAddrPort("198.51.100.7:9")}
	p.client.SetTransport(other)
	noErr(t, p.client.HandleWrite([]byte("x")))
	dg, _ := p.client.PollWrite()
	if dg.Transport != other || p.client.Transport() != other {
		t.Fatal("transport not changed")
	}
	for _, s := range []interface{ String() string }{stateHandshake, stateClosed, EventAlert, EventClosed, EventHandshakeComplete, AlertBadCertificate, TypeFinished, ContentAlert, GroupP384, PSSWithSHA256} {
		if s.String() == "" || bytes.Contains([]byte(s.String()), []byte("(")) {
			t.Fatalf("String %q", s.String())
		}
	}
	if len(AllCipherSuites()) != 10 {
		t.Fatal("AllCipherSuites")
	}
	ae := &AlertError{Alert: AlertBadCertificate, Remote: true}
	if ae.Error() == "" || !errors.Is(ae, AlertBadCertificate) || AlertBadCertificate.Error() == "" {
		t.Fatal("alert error")
	}
}

// TestPlaintextHandshakeAfterEstablished: once a connection is established,
// an unprotected (epoch 0) handshake message that is not a retransmission
// could come from anyone (RFC 6347 §4.1.2.7: invalid records "SHOULD be
// silently discarded"). It is dropped and counted; it must not end the
// association with a fatal alert, as a forged plaintext alert does not.
func TestPlaintextHandshakeAfterEstablished(t *testing.T) {
	for _, toClient := range []bool{false, true} {
		cc, sc := defaultConfigs()
		p := newTestPair(t, cc, sc)
		mustHandshake(t, p)
		target, from := p.server, p.client
		if toClient {
			target, from = p.client, p.server
		}
		for _, typ := range []HandshakeType{TypeCertificate, TypeClientHello, TypeServerHello, TypeFinished} {
			body := appendMessage(nil, typ, target.recvSeq, []byte{0, 0, 0})
			h := RecordHeader{Type: ContentHandshake, Version: versionDTLS12, Seq: 1000 + uint64(typ), Length: uint16(len(body))}
			err := target.HandleRead(shared.TaggedBytes{Now: p.now, Transport: from.Transport().Reverse(), Message: append(h.AppendTo(nil), body...)})
			if !errors.Is(err, ErrDropped) {
				t.Fatalf("toClient %v, %v: err %v, want ErrDropped", toClient, typ, err)
			}
			if target.state != stateEstablished || target.out.Len() != 0 {
				t.Fatalf("toClient %v, %v: state %v, %d datagrams queued", toClient, typ, target.state, target.out.Len())
			}
		}
		if target.Stats().WrongEpoch != 4 {
			t.Fatalf("wrong epoch count %d", target.Stats().WrongEpoch)
		}
		if !toClient {
			// A protected ClientHello asks for renegotiation: refused with
			// a no_renegotiation warning, the connection stays up.
			rec, err := from.sealRecord(nil, ContentHandshake, 1, appendMessage(nil, TypeClientHello, target.recvSeq, []byte{0}))
			noErr(t, err)
			if err := target.HandleRead(shared.TaggedBytes{Now: p.now, Transport: from.Transport().Reverse(), Message: rec}); err != nil {
				t.Fatal(err)
			}
			p.pump()
			if e := findEvent(p.cEvents, EventAlert); e == nil || e.Alert != AlertNoRenegotiation || target.state != stateEstablished {
				t.Fatalf("renegotiation: alert %+v, state %v", e, target.state)
			}
		}
		// The connection still carries data both ways.
		if err := from.HandleWrite([]byte("still up")); err != nil {
			t.Fatal(err)
		}
		p.pump()
		reads := p.sReads
		if toClient {
			reads = p.cReads
		}
		if len(reads) != 1 || string(reads[0]) != "still up" {
			t.Fatalf("reads %q", reads)
		}
	}
}

// TestUnknownContentTypeSkipped: a record of an unknown content type is
// dropped and counted alone; the records after it in the same datagram are
// still read (RFC 6347 §4.1.2.7).
func TestUnknownContentTypeSkipped(t *testing.T) {
	c, in := freshClient(t)
	hvr := (&helloVerifyRequestMsg{Version: versionDTLS10, Cookie: []byte{1, 2, 3}}).Append(nil)
	err := in(plainRecord(ContentType(25), 0, 0, []byte{9, 9, 9}),
		plainRecord(ContentHandshake, 0, 1, appendMessage(nil, TypeHelloVerifyRequest, 0, hvr)))
	if !errors.Is(err, ErrDropped) || !errors.Is(err, errRecordType) || c.Stats().Malformed != 1 {
		t.Fatalf("err %v, stats %+v", err, c.Stats())
	}
	if c.Stats().HelloVerifies != 1 {
		t.Fatal("the record after the unknown one was not read")
	}
	if _, ok := c.PollWrite(); !ok {
		t.Fatal("no ClientHello with the cookie")
	}
}
