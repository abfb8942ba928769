package tls13

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"golang.org/x/crypto/chacha20"
)

// TestChaCha20Block16 checks our block function against x/crypto/chacha20
// with the counter and nonce of RFC 9147 §4.2.3.
func TestChaCha20Block16(t *testing.T) {
	rnd := seeded("chacha")
	for range 200 {
		var key [32]byte
		sample := make([]byte, 16)
		rnd.Read(key[:])
		rnd.Read(sample)
		c, err := chacha20.NewUnauthenticatedCipher(key[:], sample[4:16])
		if err != nil {
			t.Fatal(err)
		}
		c.SetCounter(binary.LittleEndian.Uint32(sample[:4]))
		want := make([]byte, 16)
		c.XORKeyStream(want, want)
		var got [16]byte
		chacha20Block16(&got, &key, sample)
		if !bytes.Equal(got[:], want) {
			t.Fatalf("key %x sample %x: got %x want %x", key, sample, got, want)
		}
	}
}

// pair makes a writer and reader sharing keys for suite and epoch.
func pair(t testing.TB, suite CipherSuite, epoch uint64) (Writer, Reader, *Protection) {
	t.Helper()
	s := NewSchedule(suite.Hash(), PrefixDTLS13)
	secret := bytes.Repeat([]byte{byte(epoch) + 1}, s.HashSize())
	p, err := NewProtection(suite, s.TrafficKeys(secret, suite.KeyLen()))
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(0, 64)
	r.AddEpoch(epoch, p)
	return NewWriter(epoch, p), r, p
}

func TestSealOpenRoundTrip(t *testing.T) {
	for _, suite := range []CipherSuite{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256} {
		for _, v := range []struct {
			seq8, noLen bool
			pad         int
			cid         []byte
		}{{}, {seq8: true}, {noLen: true}, {pad: 7}, {cid: []byte{1, 2, 3, 4}}, {seq8: true, noLen: true, pad: 1, cid: []byte{9}}} {
			name := fmt.Sprintf("%v/seq8=%v/nolen=%v/pad=%d/cid=%d", suite, v.seq8, v.noLen, v.pad, len(v.cid))
			w, r, _ := pair(t, suite, 3)
			w.Seq8, w.NoLength, w.CID = v.seq8, v.noLen, v.cid
			r.cidLen = len(v.cid)
			for i := range 300 { // crosses the 8-bit wrap
				payload := []byte(fmt.Sprintf("record %d", i))
				wire, seq, err := w.Seal(nil, ContentApplicationData, payload, v.pad)
				if err != nil {
					t.Fatal(name, err)
				}
				if seq != uint64(i) || len(wire) != w.Overhead()+len(payload)+v.pad {
					t.Fatalf("%s: seq %d len %d, want %d and %d", name, seq, len(wire), i, w.Overhead()+len(payload)+v.pad)
				}
				rec, n, err := r.Open(nil, wire)
				if err != nil {
					t.Fatalf("%s: record %d: %v", name, i, err)
				}
				// In order, each record is the newest; the CID flag follows
				// the header.
				want := Record{Epoch: 3, Seq: uint64(i), Type: ContentApplicationData, Data: payload, CID: v.cid != nil, Newest: true}
				if n != len(wire) {
					t.Fatalf("%s: consumed %d of %d", name, n, len(wire))
				}
				if !reflect.DeepEqual(want, rec) {
					t.Fatalf("%s: record %d: got %+v, want %+v", name, i, rec, want)
				}
			}
		}
	}
}

// TestRecordNumberEncryption checks the wire sequence number against an
// independent computation of the AES mask (RFC 9147 §4.2.3).
func TestRecordNumberEncryption(t *testing.T) {
	s := NewSchedule(SHA256, PrefixDTLS13)
	keys := s.TrafficKeys(bytes.Repeat([]byte{5}, 32), 16)
	p, err := NewProtection(TLS_AES_128_GCM_SHA256, keys)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(2, p)
	w.seq = 0x1234
	wire, _, err := w.Seal(nil, ContentHandshake, []byte("hello"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// 0x2E = 001 0 1 1 10: no CID, 16-bit seq, length, epoch 2.
	if wire[0] != 0x2E {
		t.Fatalf("first byte %#x, want 0x2e", wire[0])
	}
	blk, err := aes.NewCipher(keys.SNKey)
	if err != nil {
		t.Fatal(err)
	}
	var mask [16]byte
	blk.Encrypt(mask[:], wire[5:21])
	got := binary.BigEndian.Uint16(wire[1:3]) ^ binary.BigEndian.Uint16(mask[:2])
	if got != 0x1234 {
		t.Errorf("unmasked sequence number %#x, want 0x1234", got)
	}
	if binary.BigEndian.Uint16(wire[3:5]) != uint16(len(wire)-5) {
		t.Errorf("length field %d, want %d", binary.BigEndian.Uint16(wire[3:5]), len(wire)-5)
	}
}

// TestTamperedRecords: any flipped bit in header or body fails
// authentication, and a forged record does not move the replay window
// (RFC 9147 §4.5.1: the window advances only on authenticated records).
func TestTamperedRecords(t *testing.T) {
	w, r, _ := pair(t, TLS_AES_128_GCM_SHA256, 2)
	wire, _, err := w.Seal(nil, ContentHandshake, []byte("a handshake message"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range wire {
		for bit := range 8 {
			bad := bytes.Clone(wire)
			bad[i] ^= 1 << bit
			_, _, err := r.Open(nil, bad)
			if err == nil {
				t.Fatalf("byte %d bit %d flipped: record accepted", i, bit)
			}
		}
	}
	if _, ok := r.epochs[0].window.Latest(); ok {
		t.Fatal("forged records moved the replay window")
	}
	rec, _, err := r.Open(nil, wire)
	if err != nil || string(rec.Data) != "a handshake message" {
		t.Fatalf("the genuine record after forgeries: %v %q", err, rec.Data)
	}
	if _, _, err := r.Open(nil, wire); !errors.Is(err, ErrReplayed) {
		t.Errorf("the same record again: err %v, want ErrReplayed", err)
	}
}

// TestForgedFarAhead: a forged record whose sequence bits claim a jump does
// not disturb reconstruction of the genuine records that follow.
func TestForgedFarAhead(t *testing.T) {
	w, r, _ := pair(t, TLS_CHACHA20_POLY1305_SHA256, 3)
	for i := range 50 {
		wire, _, err := w.Seal(nil, ContentApplicationData, []byte{byte(i)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		forged := bytes.Clone(wire)
		forged[1] ^= 0x80
		forged[len(forged)-1] ^= 1
		if _, _, err := r.Open(nil, forged); !errors.Is(err, ErrAuth) {
			t.Fatalf("forged record %d: err %v, want ErrAuth", i, err)
		}
		rec, _, err := r.Open(nil, wire)
		if err != nil || rec.Seq != uint64(i) {
			t.Fatalf("record %d: seq %d err %v", i, rec.Seq, err)
		}
	}
}

// TestReorderedRecords: records delivered out of order within the window
// reconstruct to their own numbers; one older than the window is refused.
func TestReorderedRecords(t *testing.T) {
	w, r, _ := pair(t, TLS_AES_128_GCM_SHA256, 3)
	w.Seq8 = true
	var wires [][]byte
	for i := range 400 {
		b, _, err := w.Seal(nil, ContentApplicationData, []byte{byte(i), byte(i >> 8)}, 0)
		if err != nil {
			t.Fatal(err)
		}
		wires = append(wires, b)
	}
	order := []int{}
	for i := 0; i < 400; i += 2 { // pairs swapped: 1,0,3,2,...
		order = append(order, i+1, i)
	}
	for _, i := range order {
		rec, _, err := r.Open(nil, wires[i])
		if err != nil || rec.Seq != uint64(i) {
			t.Fatalf("record %d: got seq %d err %v", i, rec.Seq, err)
		}
	}
	if _, _, err := r.Open(nil, wires[10]); err == nil {
		t.Error("a record far behind the window was accepted")
	}
}

func TestReconstructSeq(t *testing.T) {
	for _, c := range []struct {
		next, trunc uint64
		bits        uint
		want        uint64
	}{
		{0xa82f30eb, 0x9b32, 16, 0xa82f9b32}, // RFC 9000 §A.3 example
		{0, 0, 8, 0},
		{1, 0xff, 8, 0xff},
		{0x100, 0xff, 8, 0xff},
		{0x100, 0x00, 8, 0x100},
		{0x17f, 0x01, 8, 0x101},
		{0x1ff, 0x01, 8, 0x201},
		{0x180, 0x7f, 8, 0x17f},
		{0x10000, 0xffff, 16, 0xffff},
		{0x1fffe, 0x0001, 16, 0x20001},
	} {
		if got := ReconstructSeq(c.next, c.trunc, c.bits); got != c.want {
			t.Errorf("ReconstructSeq(%#x, %#x, %d) = %#x, want %#x", c.next, c.trunc, c.bits, got, c.want)
		}
	}
}

// TestEpochSelection: the reader tells epochs apart by their low bits and
// keeps at most four (RFC 9147 §4.2.2).
func TestEpochSelection(t *testing.T) {
	r := NewReader(0, 64)
	writers := map[uint64]Writer{}
	for e := uint64(2); e <= 6; e++ {
		w, _, p := pair(t, TLS_AES_128_GCM_SHA256, e)
		r.AddEpoch(e, p)
		writers[e] = w
	}
	if r.HasEpoch(2) || !r.HasEpoch(3) || !r.HasEpoch(6) {
		t.Fatalf("after five epochs: has 2=%v 3=%v 6=%v; want the last four", r.HasEpoch(2), r.HasEpoch(3), r.HasEpoch(6))
	}
	for e := uint64(3); e <= 6; e++ {
		w := writers[e]
		wire, _, err := w.Seal(nil, ContentApplicationData, []byte("x"), 0)
		if err != nil {
			t.Fatal(err)
		}
		rec, _, err := r.Open(nil, wire)
		if err != nil || rec.Epoch != e {
			t.Errorf("epoch %d: got epoch %d err %v", e, rec.Epoch, err)
		}
	}
	r.DropEpochsBelow(5)
	w := writers[4]
	wire, _, err := w.Seal(nil, ContentApplicationData, []byte("x"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Open(nil, wire); !errors.Is(err, ErrUnknownEpoch) {
		t.Errorf("record of a dropped epoch: err %v, want ErrUnknownEpoch", err)
	}
}

// TestRecordSizeLimit: the writer keeps to the peer's record_size_limit and
// the reader refuses a record above its own (RFC 8449 §4), content type and
// padding included.
func TestRecordSizeLimit(t *testing.T) {
	w, r, _ := pair(t, TLS_AES_128_GCM_SHA256, 3)
	w.Limit = 100
	if _, _, err := w.Seal(nil, ContentApplicationData, make([]byte, 99), 0); err != nil {
		t.Errorf("99 bytes + type under a limit of 100: %v", err)
	}
	if _, _, err := w.Seal(nil, ContentApplicationData, make([]byte, 98), 2); !errors.Is(err, ErrRecordOverflow) {
		t.Errorf("98 bytes + type + 2 padding over 100: err %v", err)
	}
	w.Limit = 0
	wire, _, err := w.Seal(nil, ContentApplicationData, make([]byte, 200), 0)
	if err != nil {
		t.Fatal(err)
	}
	r.Limit = 150
	if _, _, err := r.Open(nil, wire); !errors.Is(err, ErrRecordOverflow) {
		t.Errorf("201-byte inner plaintext over our limit 150: err %v", err)
	}
}

func TestParseHeaderPrefixes(t *testing.T) {
	w, _, _ := pair(t, TLS_AES_128_GCM_SHA256, 3)
	w.CID = []byte{1, 2}
	wire, _, err := w.Seal(nil, ContentApplicationData, []byte("payload"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseHeader(wire, 2); err != nil {
		t.Fatal(err)
	}
	for n := range len(wire) {
		if _, err := ParseHeader(wire[:n], 2); err == nil {
			t.Errorf("prefix of %d bytes parsed", n)
		}
	}
	if _, err := ParseHeader(wire, 0); err == nil {
		t.Error("a CID record parsed without a negotiated CID")
	}
	if _, err := ParseHeader([]byte{22, 0xfe, 0xfd}, 0); !errors.Is(err, ErrNotCiphertext) {
		t.Errorf("a DTLSPlaintext header: err %v", err)
	}
}

func TestPlaintextRoundTrip(t *testing.T) {
	h := PlaintextHeader{Type: ContentHandshake, Version: VersionDTLS12, Epoch: 0, Seq: 0x0000_1234_5678_9abc & MaxSeq}
	wire := AppendPlaintext(nil, h, []byte("client hello"))
	got, frag, err := ParsePlaintext(wire)
	if err != nil {
		t.Fatal(err)
	}
	h.Length = len("client hello")
	if got != h || string(frag) != "client hello" {
		t.Errorf("got %+v frag %q, want %+v", got, frag, h)
	}
	for n := range len(wire) {
		if _, _, err := ParsePlaintext(wire[:n]); err == nil {
			t.Errorf("prefix of %d bytes parsed", n)
		}
	}
}

// TestRecordAllocs: sealing into a reserved buffer and opening into a scratch
// buffer allocate nothing (steady-state data path).
func TestRecordAllocs(t *testing.T) {
	for _, suite := range []CipherSuite{TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256} {
		w, r, _ := pair(t, suite, 3)
		payload := make([]byte, 1000)
		out := make([]byte, 0, 2048)
		scratch := make([]byte, 0, 2048)
		allocs := testing.AllocsPerRun(100, func() {
			wire, _, err := w.Seal(out[:0], ContentApplicationData, payload, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.Open(scratch, wire); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %.1f allocations per record, want 0", suite, allocs)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	for _, suite := range []CipherSuite{TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256} {
		b.Run(suite.String(), func(b *testing.B) {
			w, r, _ := pair(b, suite, 3)
			payload := make([]byte, 1200)
			out := make([]byte, 0, 2048)
			scratch := make([]byte, 0, 2048)
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				wire, _, err := w.Seal(out[:0], ContentApplicationData, payload, 0)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := r.Open(scratch, wire); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
