package tls13

import (
	"testing"
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
