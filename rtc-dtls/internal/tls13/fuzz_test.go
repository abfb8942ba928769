package tls13

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseHeader: the unified header parser never panics, and what it
// accepts stays inside the input.
func FuzzParseHeader(f *testing.F) {
	w, _, _ := pair(f, TLS_AES_128_GCM_SHA256, 3)
	for _, cid := range [][]byte{nil, {1, 2, 3}} {
		w.CID = cid
		wire, _, err := w.Seal(nil, ContentApplicationData, []byte("seed"), 0)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire, len(cid))
	}
	f.Add([]byte{0x2c, 0, 0, 0, 0}, 0)
	f.Fuzz(func(t *testing.T, b []byte, cidLen int) {
		h, err := ParseHeader(b, cidLen%300)
		if err != nil {
			return
		}
		if h.HeaderLen+h.Length > len(b) || h.Length < 16 {
			t.Fatalf("header %+v overruns %d bytes", h, len(b))
		}
	})
}

// FuzzReaderOpen: arbitrary datagrams through a reader holding real keys
// never panic, and a forgery is never accepted with a new sequence number.
func FuzzReaderOpen(f *testing.F) {
	w, _, _ := pair(f, TLS_CHACHA20_POLY1305_SHA256, 3)
	for i := range 3 {
		wire, _, err := w.Seal(nil, ContentHandshake, []byte{byte(i), 1, 2, 3}, i)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, r, _ := pair(t, TLS_CHACHA20_POLY1305_SHA256, 3)
		scratch := make([]byte, 0, 256)
		for len(b) > 0 {
			rec, n, err := r.Open(scratch, b)
			if err == nil && rec.Seq > 2 {
				t.Fatalf("forged record accepted: %+v", rec)
			}
			if n == 0 {
				return
			}
			b = b[n:]
		}
	})
}

// FuzzParsePlaintext: the DTLSPlaintext parser never panics and its
// fragment stays inside the input.
func FuzzParsePlaintext(f *testing.F) {
	f.Add(AppendPlaintext(nil, PlaintextHeader{Type: ContentHandshake, Version: VersionDTLS12}, []byte("x")))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, frag, err := ParsePlaintext(b)
		if err == nil && (len(frag) != h.Length || PlaintextHeaderLen+h.Length > len(b)) {
			t.Fatalf("header %+v fragment %d bytes of %d", h, len(frag), len(b))
		}
	})
}

// FuzzParseClientHello: never panics; what parses re-encodes and parses to
// the same decoded fields.
func FuzzParseClientHello(f *testing.F) {
	f.Add(dtlsClientHello(f))
	ch := &ClientHello{LegacyVersion: VersionDTLS12, CipherSuites: []CipherSuite{0x1301},
		Ext: Extensions{SupportedVersions: []uint16{VersionDTLS13}, KeyShares: []KeyShareEntry{{GroupX25519, make([]byte, 32)}}, Cookie: []byte{1}}}
	b, err := ch.Append(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := ParseClientHello(b)
		if err != nil {
			return
		}
		out, err := ch.Append(nil)
		if err != nil {
			return // e.g. a zero-length list the builder cannot express
		}
		if _, err := ParseClientHello(out); err != nil {
			t.Fatalf("re-encoded ClientHello does not parse: %v", err)
		}
	})
}

// FuzzParseServerHello: never panics.
func FuzzParseServerHello(f *testing.F) {
	f.Add(unhex(f, rfc8448.serverHello)[4:])
	hrr := &ServerHello{Random: HelloRetryRandom(), Ext: Extensions{SelectedGroup: GroupX25519, Cookie: []byte{1}}}
	b, err := hrr.Append(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := ParseServerHello(b)
		if err != nil {
			return
		}
		if _, err := sh.Append(nil); err != nil && len(sh.Ext.KeyShares) == 1 {
			t.Fatalf("parsed ServerHello does not re-encode: %v", err)
		}
	})
}

// FuzzParseMessages: every other 1.3 message parser, chosen by the first
// byte, never panics.
func FuzzParseMessages(f *testing.F) {
	f.Add(append([]byte{0}, unhex(f, rfc8448.encryptedExtensions)[4:]...))
	f.Add(append([]byte{1}, unhex(f, rfc8448.cert)[4:]...))
	f.Add(append([]byte{2}, unhex(f, rfc8448.certVerify)[4:]...))
	f.Add([]byte{3, 0, 0, 0, 13, 0, 4, 0, 2, 4, 3})
	f.Add([]byte{4, 0, 16, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{5, 1})
	f.Add([]byte{6, 20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		body := b[1:]
		switch b[0] % 8 {
		case 0:
			_, err := ParseEncryptedExtensions(body)
			wantParseError(t, err)
		case 1:
			if m, err := ParseCertificate(body); err == nil && len(m.Entries) > maxCertEntries {
				t.Fatal("chain above the bound")
			}
		case 2:
			_, err := ParseCertificateVerify(body)
			wantParseError(t, err)
		case 3:
			if m, err := ParseCertificateRequest(body); err == nil && len(m.Ext.Schemes) == 0 {
				t.Fatal("CertificateRequest without schemes accepted")
			}
		case 4:
			if rns, err := ParseACK(nil, body); err == nil && len(rns) > maxACKRecords {
				t.Fatal("ACK above the bound")
			}
		case 5:
			if v, err := ParseKeyUpdate(body); err == nil && v > 1 {
				t.Fatal("KeyUpdate value out of range accepted")
			}
		case 6:
			if h, frag, n, err := ParseHandshakeHeader(body); err == nil && (int(h.FragmentLength) != len(frag) || n > len(body)) {
				t.Fatal("handshake fragment overruns")
			}
		case 7:
			_, err := ParseFinished(body, 32)
			wantParseError(t, err)
		}
	})
}

// wantParseError: a parser's error is a *ParseError that names its alert.
func wantParseError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *ParseError
	if !errors.As(err, &pe) || (pe.Alert != AlertDecodeError && pe.Alert != AlertIllegalParameter) {
		t.Fatalf("error %v is not a ParseError with an alert", err)
	}
}

// FuzzEndpoint drives a fresh server and a fresh client with fuzzed
// datagrams (a 2-byte length before each), seeded from a real handshake:
// the 1.3 state machine never panics, never reports a deadline before now,
// and the client never connects on forged input. limit is both sides'
// record_size_limit (RFC 8449; 0: not sent), so the negotiation and the
// fragmenting and ACK trimming it drives are fuzzed too.
func FuzzEndpoint(f *testing.F) {
	for _, limit := range []uint16{0, 64} {
		cc, sc := configs(f, "fuzz")
		cc.Groups, sc.Groups = []Group{GroupX25519}, []Group{GroupX25519}
		cc.RecordSizeLimit, sc.RecordSizeLimit = int(limit), int(limit)
		d := newDirect(f, cc, sc)
		var toServer, toClient []byte
		d.drop = func(ts bool, _ int, b []byte) bool {
			frame := append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
			if ts {
				toServer = append(toServer, frame...)
			} else {
				toClient = append(toClient, frame...)
			}
			return false
		}
		d.run(d.connected, 1000)
		f.Add(toServer, true, limit)
		f.Add(toClient, false, limit)
	}
	f.Fuzz(func(t *testing.T, in []byte, server bool, limit uint16) {
		// Other randomness than the recorded run: the recorded server
		// flight is a replay to this client and must not connect it.
		cc, sc := configs(t, "fuzz other")
		cc.Groups, sc.Groups = []Group{GroupX25519}, []Group{GroupX25519}
		cc.RecordSizeLimit, sc.RecordSizeLimit = int(limit), int(limit)
		var e *Endpoint
		var err error
		if server {
			e, err = NewServer(sc, t0)
		} else {
			e, err = NewClient(cc, t0)
		}
		if err != nil {
			t.Fatal(err)
		}
		now := t0
		for len(in) >= 2 {
			n := int(in[0])<<8 | int(in[1])
			in = in[2:]
			if n > len(in) {
				n = len(in)
			}
			err := e.HandleDatagram(now, in[:n])
			in = in[n:]
			if err != nil && !errors.Is(err, ErrNeedDTLS12) {
				var ae *AlertError
				if !errors.As(err, &ae) {
					t.Fatalf("error %v is neither an alert nor ErrNeedDTLS12", err)
				}
			}
			for _, ok := e.PollDatagram(); ok; _, ok = e.PollDatagram() {
			}
			if dl, ok := e.Timeout(); ok && dl.Before(now) {
				t.Fatalf("deadline %v before now %v", dl, now)
			}
			now = now.Add(10 * time.Millisecond)
			if err := e.HandleTimeout(now); err != nil {
				var ae *AlertError
				if !errors.As(err, &ae) {
					t.Fatalf("HandleTimeout: %v", err)
				}
			}
		}
		if !server && e.Connected() {
			t.Fatal("a client connected to replayed or forged datagrams")
		}
	})
}
