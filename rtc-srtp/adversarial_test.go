package srtp

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestFloodForgedNewSSRCs: an off-path attacker who knows nothing of the
// keys sends 100,000 packets from random SSRCs with random sequence
// numbers. None authenticates, so no per-SSRC state is created (RFC 3711
// §3.3.1: state changes only after authentication), the table stays
// empty, the heap does not grow, and the real stream is unaffected.
func TestFloodForgedNewSSRCs(t *testing.T) {
	for _, p := range []Profile{AES128CMHMACSHA1_80, AEADAES128GCM} {
		tx, rx := newPair(t, Config{Profile: p})
		good, err := tx.AppendProtectRTP(nil, rtpPacket(10, 7, 100))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx.AppendUnprotectRTP(nil, good); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		pkt := append([]byte(nil), good...)
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		const n = 100_000
		for i := 0; i < n; i++ {
			binary.BigEndian.PutUint16(pkt[2:], uint16(r.Uint32()))
			binary.BigEndian.PutUint32(pkt[8:], r.Uint32())
			pkt[len(pkt)-1] = byte(i)
			if _, err := rx.UnprotectRTP(pkt); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("%v: forged packet %d: %v", p, i, err)
			}
			pkt = append(pkt[:0], good...)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		if len(rx.rx) != 1 || rx.Stats().AuthFailures != n {
			t.Fatalf("%v: %d streams, stats %+v", p, len(rx.rx), rx.Stats())
		}
		if grew := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc); grew > 64<<10 {
			t.Errorf("%v: heap grew %d bytes under the flood", p, grew)
		}
		next, err := tx.AppendProtectRTP(nil, rtpPacket(11, 7, 100))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx.AppendUnprotectRTP(nil, next); err != nil {
			t.Fatalf("%v: real stream after the flood: %v", p, err)
		}
	}
}

// TestForgedFarAheadDoesNotMoveROC: an on-path attacker rewrites a
// captured packet's sequence number to look 2^15 ahead (a ROC+1 guess).
// The tag does not verify with the guessed index, so ROC, s_l and the
// replay window stay; the genuine next packet is accepted.
func TestForgedFarAheadDoesNotMoveROC(t *testing.T) {
	tx, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_32})
	for seq := uint16(40000); seq < 40010; seq++ {
		pkt, err := tx.AppendProtectRTP(nil, rtpPacket(seq, 9, 20))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx.AppendUnprotectRTP(nil, pkt); err != nil {
			t.Fatal(err)
		}
		if seq == 40009 {
			for _, forged := range []uint16{7240, 1, 0} { // next cycle by the estimate
				bad := append([]byte(nil), pkt...)
				binary.BigEndian.PutUint16(bad[2:], forged)
				if _, err := rx.AppendUnprotectRTP(nil, bad); !errors.Is(err, ErrAuthFailed) {
					t.Fatalf("seq %d: %v", forged, err)
				}
			}
		}
	}
	if st, _ := rx.ReceiverState(9); st.ROC != 0 || st.HighestSeq != 40009 {
		t.Fatalf("state moved: %+v", st)
	}
	pkt, err := tx.AppendProtectRTP(nil, rtpPacket(40010, 9, 20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rx.AppendUnprotectRTP(nil, pkt); err != nil {
		t.Fatal(err)
	}
}

// TestLengthFieldsAtBounds: the header fields that size what SRTP skips
// in the clear (CSRC count, extension length) at 0, max and past the
// packet; every one is refused without reading past the buffer.
func TestLengthFieldsAtBounds(t *testing.T) {
	_, rx := newPair(t, Config{Profile: AES128CMHMACSHA1_80})
	base := rtpPacket(1, 5, 0)
	for _, c := range []struct {
		name string
		edit func(b []byte) []byte
	}{
		{"CSRC count 15, none present", func(b []byte) []byte { b[0] = 0x8f; return b[:12+10] }},
		{"extension length 0xffff", func(b []byte) []byte { b[18], b[19] = 0xff, 0xff; return b }},
		{"extension header cut", func(b []byte) []byte { return b[:17] }},
		{"empty", func(b []byte) []byte { return b[:0] }},
		{"one byte", func(b []byte) []byte { return b[:1] }},
		{"header only, no tag", func(b []byte) []byte { return b }},
	} {
		b := c.edit(append([]byte(nil), base...))
		if _, err := rx.UnprotectRTP(b); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
		if _, err := rx.UnprotectRTCP(b); err == nil {
			t.Errorf("%s: accepted as SRTCP", c.name)
		}
	}
	if len(rx.rx) != 0 {
		t.Fatal("state created")
	}
}

// TestFloodAuthenticatedSSRCs: the remote peer (who has the keys) sends
// from 5,000 SSRCs. The receiver keeps MaxSSRCs (default 1024) of them and
// refuses the rest with ErrTooManySSRCs, counted; the memory held is the
// per-SSRC state with its overhead (stream, two replay windows, map
// entry), measured here and bounded at 512 bytes a source.
func TestFloodAuthenticatedSSRCs(t *testing.T) {
	tx, _ := newPair(t, Config{Profile: AEADAES128GCM, MaxSSRCs: 5000})
	key, salt := testKeys(AEADAES128GCM)
	rx2, err := NewContext(Config{Profile: AEADAES128GCM, MasterKey: key, MasterSalt: salt})
	if err != nil {
		t.Fatal(err)
	}
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	const n = 5000
	refused := 0
	for ssrc := uint32(1); ssrc <= n; ssrc++ {
		pkt, err := tx.AppendProtectRTP(nil, rtpPacket(1, ssrc, 10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rx2.UnprotectRTP(pkt); errors.Is(err, ErrTooManySSRCs) {
			refused++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	if len(rx2.rx) != 1024 || refused != n-1024 || rx2.Stats().SSRCLimit != uint64(n-1024) {
		t.Fatalf("%d kept, %d refused, stats %+v", len(rx2.rx), refused, rx2.Stats())
	}
	held := int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc)
	t.Logf("1024 sources hold %d bytes (%d per source)", held, held/1024)
	if held > 1024*512 {
		t.Errorf("%d bytes held for 1024 sources", held)
	}
}
