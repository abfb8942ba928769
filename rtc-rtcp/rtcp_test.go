package rtcp

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

func TestRoundTripEveryType(t *testing.T) {
	for _, p := range samples() {
		name := fmt.Sprintf("%T", p)
		b, err := Marshal(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(b) != p.MarshalSize() || len(b)%4 != 0 {
			t.Fatalf("%s: %d octets, MarshalSize %d", name, len(b), p.MarshalSize())
		}
		got, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 1 || reflect.TypeOf(got[0]) != reflect.TypeOf(p) {
			t.Fatalf("%s: decoded as %T", name, got[0])
		}
		if !reflect.DeepEqual(normalize(got[0]), normalize(p)) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got[0], p)
		}
		again, err := Marshal(got[0])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, b) {
			t.Errorf("%s: re-marshal differs", name)
		}
		// Every strict prefix must fail (the length field then disagrees).
		for i := 0; i < len(b); i++ {
			q := newPacket(Header{Type: PacketType(b[1]), Count: b[0] & 0x1f}, b)
			if err := q.Unmarshal(b[:i]); err == nil {
				t.Errorf("%s: prefix of %d octets parsed", name, i)
			}
		}
	}
}

// normalize maps empty slices to nil so that values built by hand compare
// with decoded ones.
func normalize(p Packet) Packet {
	b, err := Marshal(p)
	if err != nil {
		panic(err)
	}
	q := newPacket(Header{Type: PacketType(b[1]), Count: b[0] & 0x1f}, b)
	if _, raw := p.(*RawPacket); raw {
		q = &RawPacket{} // kept raw: its bytes need not parse as their type
	}
	if err := q.Unmarshal(b); err != nil {
		panic(err)
	}
	return q
}

func TestCompound(t *testing.T) {
	ps := samples()
	b, err := Marshal(ps...)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(b, true); err != nil {
		t.Fatal(err)
	}
	// The transport-cc sample is padded (P bit) and not last: the strict
	// RFC 3550 A.2 check refuses that, the decoder accepts it.
	if err := Validate(b, false); !errors.Is(err, ErrBadPadding) {
		t.Fatalf("strict: %v", err)
	}
	d := NewDecoder(Config{})
	d.Reset(b)
	n := 0
	for {
		p, ok := d.Next()
		if !ok {
			break
		}
		if reflect.TypeOf(p) != reflect.TypeOf(ps[n]) {
			t.Fatalf("packet %d: %T, want %T", n, p, ps[n])
		}
		n++
	}
	if d.Err() != nil || n != len(ps) {
		t.Fatalf("decoded %d of %d: %v", n, len(ps), d.Err())
	}

	// RFC 3550 §6.1: the first packet must be SR or RR; RFC 5506 relaxes it.
	pli, err := Marshal(&PLI{SenderSSRC: 1, MediaSSRC: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(pli, false); !errors.Is(err, ErrBadFirstPacket) {
		t.Fatalf("strict: %v", err)
	}
	if err := Validate(pli, true); err != nil {
		t.Fatalf("reduced size: %v", err)
	}
	d = NewDecoder(Config{})
	d.Reset(pli)
	if _, ok := d.Next(); ok || !errors.Is(d.Err(), ErrBadFirstPacket) {
		t.Fatalf("decoder strict: %v", d.Err())
	}

	// Padding is allowed on the last packet only.
	padded := append([]byte(nil), pli...)
	padded[0] |= 0x20
	padded = append(padded, 0, 0, 0, 4)
	padded[3]++
	rr, err := Marshal(&ReceiverReport{SSRC: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(append(append([]byte(nil), rr...), padded...), false); err != nil {
		t.Fatalf("padding last: %v", err)
	}
	bad := append(append(append([]byte(nil), rr...), padded...), pli...)
	if err := Validate(bad, false); !errors.Is(err, ErrBadPadding) {
		t.Fatalf("padding in the middle: %v", err)
	}
	// Truncated and version errors.
	if err := Validate(b[:len(b)-1], true); !errors.Is(err, shared.ErrTruncated) {
		t.Fatalf("truncated: %v", err)
	}
	v1 := append([]byte(nil), b...)
	v1[0] &^= 0xc0
	if err := Validate(v1, true); !errors.Is(err, ErrBadVersion) {
		t.Fatalf("version: %v", err)
	}
	if err := Validate(nil, true); err == nil {
		t.Fatal("empty accepted")
	}
}

func TestMaxPackets(t *testing.T) {
	rr, err := Marshal(&ReceiverReport{SSRC: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for i := 0; i < 5; i++ {
		b = append(b, rr...)
	}
	d := NewDecoder(Config{MaxPackets: 4})
	d.Reset(b)
	n := 0
	for _, ok := d.Next(); ok; _, ok = d.Next() {
		n++
	}
	if n != 4 || !errors.Is(d.Err(), ErrTooMany) {
		t.Fatalf("n=%d err=%v", n, d.Err())
	}
	if st := d.Stats(); st.Compounds != 1 || st.Packets != 4 || st.Malformed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestTransportCCDraftChunks(t *testing.T) {
	var f struct {
		Vectors []struct {
			Name   string `json:"name"`
			Hex    string `json:"hex_derived"`
			Fields struct {
				T       int      `json:"T"`
				S       string   `json:"S"`
				Run     int      `json:"run_length"`
				Symbols []string `json:"symbols"`
			} `json:"fields_derived"`
		} `json:"vectors"`
	}
	raw, err := os.ReadFile("testdata/transport_cc_draft_holmer_01_chunks.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	for _, v := range f.Vectors {
		b, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatal(err)
		}
		c := PacketStatusChunk(u16(b))
		if v.Fields.T == 0 {
			sym, n := c.Run()
			wantSym := map[string]TWCCSymbol{"00": 0, "01": 1, "10": 2, "11": 3}[v.Fields.S]
			if !c.IsRunLength() || sym != wantSym || n != v.Fields.Run {
				t.Errorf("%s: run of %d %v", v.Name, n, sym)
			}
			if RunLengthChunk(sym, n) != c {
				t.Errorf("%s: re-encode differs", v.Name)
			}
			continue
		}
		if c.IsRunLength() || c.Len() != len(v.Fields.Symbols) {
			t.Fatalf("%s: len %d", v.Name, c.Len())
		}
		syms := make([]TWCCSymbol, c.Len())
		for i, s := range v.Fields.Symbols {
			want := map[string]TWCCSymbol{"0": 0, "1": 1, "00": 0, "01": 1, "10": 2, "11": 3}[s]
			syms[i] = c.Symbol(i)
			if syms[i] != want {
				t.Errorf("%s: symbol %d = %v, want %v", v.Name, i, syms[i], want)
			}
		}
		if vectorChunk(syms, c.TwoBit()) != c {
			t.Errorf("%s: re-encode differs", v.Name)
		}
	}
}

func TestBuildTransportCC(t *testing.T) {
	origin := 5 * time.Second
	var arrivals []TWCCArrival
	at := origin + 3*time.Millisecond
	for seq := uint16(65530); seq != 40; seq++ {
		switch {
		case seq%7 == 0:
			continue // lost
		case seq == 3:
			at += 100 * time.Millisecond // large delta
		case seq == 9:
			at -= 2 * time.Millisecond // negative delta (reordered arrival)
		default:
			at += 1100 * time.Microsecond
		}
		arrivals = append(arrivals, TWCCArrival{seq, at})
	}
	var p TransportCC
	if err := BuildTransportCC(&p, 1, 2, 3, arrivals); err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(&p)
	if err != nil {
		t.Fatal(err)
	}
	var q TransportCC
	if err := q.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	pkts := q.Packets(nil)
	if len(pkts) != int(q.StatusCount) || q.BaseSequence != 65530 {
		t.Fatalf("%d packets, base %d", len(pkts), q.BaseSequence)
	}
	clock := time.Duration(q.ReferenceTime) * TWCCReferenceUnit
	i := 0
	for _, e := range pkts {
		if e.Symbol == TWCCNotReceived {
			if e.Sequence%7 != 0 {
				t.Fatalf("seq %d reported lost", e.Sequence)
			}
			continue
		}
		clock += time.Duration(e.Delta) * TWCCDeltaUnit
		a := arrivals[i]
		i++
		if a.Sequence != e.Sequence {
			t.Fatalf("seq %d, want %d", e.Sequence, a.Sequence)
		}
		if d := clock - a.At; d < -TWCCDeltaUnit/2 || d > TWCCDeltaUnit/2 {
			t.Fatalf("seq %d: reconstructed %v, arrived %v", e.Sequence, clock, a.At)
		}
	}
	if i != len(arrivals) {
		t.Fatalf("%d of %d arrivals reported", i, len(arrivals))
	}
	// "Rounded down to 64 ms": negative arrivals round toward minus
	// infinity, and one exactly on a boundary is its own reference.
	for at, want := range map[time.Duration]int32{-64 * time.Millisecond: -1, -65 * time.Millisecond: -2, -1: -1, 0: 0, 63 * time.Millisecond: 0} {
		if err := BuildTransportCC(&p, 1, 2, 3, []TWCCArrival{{1, at}}); err != nil || p.ReferenceTime != want {
			t.Errorf("arrival %v: reference %d, want %d (%v)", at, p.ReferenceTime, want, err)
		}
	}
	// A gap of more than 8 s cannot be one delta.
	err = BuildTransportCC(&p, 1, 2, 3, []TWCCArrival{{1, 0}, {2, 9 * time.Second}})
	if !errors.Is(err, ErrBadValue) {
		t.Fatalf("huge delta: %v", err)
	}
}

// TestBuildTransportCCChunkChoice checks the encoder picks compact chunks.
func TestBuildTransportCCChunkChoice(t *testing.T) {
	var p TransportCC
	var arr []TWCCArrival
	for i := 0; i < 100; i++ {
		arr = append(arr, TWCCArrival{uint16(i), time.Duration(i) * time.Millisecond})
	}
	if err := BuildTransportCC(&p, 0, 0, 0, arr); err != nil {
		t.Fatal(err)
	}
	if len(p.Chunks) != 1 || !p.Chunks[0].IsRunLength() {
		t.Fatalf("100 small deltas: chunks %x", p.Chunks)
	}
	arr = arr[:0]
	for i := 0; i < 28; i += 2 {
		arr = append(arr, TWCCArrival{uint16(i), time.Duration(i) * time.Millisecond})
	}
	if err := BuildTransportCC(&p, 0, 0, 0, arr); err != nil {
		t.Fatal(err)
	}
	if len(p.Chunks) != 2 || p.Chunks[0].IsRunLength() || p.Chunks[0].TwoBit() {
		t.Fatalf("alternating: chunks %x", p.Chunks)
	}
}

func TestNTP(t *testing.T) {
	tm := time.Date(2026, 11, 21, 13, 45, 47, 123456789, time.UTC)
	ntp := NTPTime(tm)
	if back := TimeFromNTP(ntp); back.Sub(tm).Abs() > time.Nanosecond {
		t.Fatalf("%v != %v", back, tm)
	}
	if NTPTime(time.Unix(0, 0)) != ntpEpochOffset<<32 {
		t.Fatal("Unix epoch")
	}
	if CompactNTP(0x1122334455667788) != 0x33445566 {
		t.Fatal("compact")
	}
}

// TestRTT is the example of RFC 3550 §6.4.1 (Figure 2): A = 0xb710:8000
// (46864.500 s), LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000
// (5.250 s): RTT = 6.125 s.
func TestRTT(t *testing.T) {
	rtt, ok := RTT(0xb7108000, 0xb7052000, 0x00054000)
	if !ok || rtt != 6125*time.Millisecond {
		t.Fatalf("rtt %v %v", rtt, ok)
	}
	if _, ok := RTT(0xb7108000, 0, 5); ok {
		t.Fatal("no LSR accepted")
	}
	if _, ok := RTT(0xb7052001, 0xb7052000, 0x00054000); ok {
		t.Fatal("negative RTT accepted")
	}
	if CompactDuration(5250*time.Millisecond) != 0x00054000 || DurationFromCompact(0x00054000) != 5250*time.Millisecond {
		t.Fatal("compact duration")
	}
	// The 32-bit field holds just over 18 hours; longer saturates, even
	// where d<<16 would overflow 64 bits (from about 78 hours).
	for _, d := range []time.Duration{65536 * time.Second, 20 * time.Hour, 100 * time.Hour, 1<<63 - 1} {
		if got := CompactDuration(d); got != 0xffffffff {
			t.Errorf("CompactDuration(%v) = %#x, want saturation", d, got)
		}
	}
}

func TestNACKPacking(t *testing.T) {
	lost := []uint16{65534, 65535, 0, 5, 15, 16, 40, 40, 41}
	pairs := NACKPairs(nil, lost)
	want := []NACKPair{{65534, 1<<0 | 1<<1 | 1<<6}, {15, 1}, {40, 1}}
	if !reflect.DeepEqual(pairs, want) {
		t.Fatalf("pairs %+v", pairs)
	}
	n := NACK{Pairs: pairs}
	got := n.Lost(nil)
	if !reflect.DeepEqual(got, []uint16{65534, 65535, 0, 5, 15, 16, 40, 41}) {
		t.Fatalf("lost %v", got)
	}
}

func TestSDESHelpers(t *testing.T) {
	s := samples()[2].(*SourceDescription)
	if c, ok := s.CNAME(0x10000000); !ok || string(c) != "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}" {
		t.Fatal("CNAME")
	}
	pre, val, ok := PrivateItem([]byte{1, 'p', 'v'})
	if !ok || string(pre) != "p" || string(val) != "v" {
		t.Fatal("PRIV")
	}
	if SDESCNAME.String() != "CNAME" || SDESType(99).String() != "SDESType(99)" || TypeRTPFB.String() != "RTPFB" {
		t.Fatal("String")
	}
	long := &SourceDescription{Chunks: []SDESChunk{{Items: []SDESItem{{SDESNote, make([]byte, 256)}}}}}
	if _, err := Marshal(long); !errors.Is(err, ErrTooLong) {
		t.Fatalf("256-octet item: %v", err)
	}
}

func TestLimits(t *testing.T) {
	rr := &ReceiverReport{Reports: make([]ReceptionReport, 32)}
	if _, err := Marshal(rr); !errors.Is(err, ErrTooMany) {
		t.Fatalf("32 report blocks: %v", err)
	}
	bye := &Goodbye{Sources: make([]uint32, 32)}
	if _, err := Marshal(bye); !errors.Is(err, ErrTooMany) {
		t.Fatalf("32 sources: %v", err)
	}
	rep := &ReceiverReport{Reports: []ReceptionReport{{TotalLost: 1 << 23}}}
	if _, err := Marshal(rep); !errors.Is(err, ErrBadValue) {
		t.Fatalf("lost overflow: %v", err)
	}
	e := NewTMMBEntry(1, 1<<40+12345, 0)
	if e.Mantissa >= 1<<17 || e.Bitrate() > 1<<40+12345 || e.Bitrate() < (1<<40)*99/100 {
		t.Fatalf("TMMBR %+v", e)
	}
	var r REMB
	r.SetBitrate(123_456_789)
	if r.Bitrate() > 123_456_789 || r.Bitrate() < 123_000_000 {
		t.Fatalf("REMB %d", r.Bitrate())
	}
}

// TestZeroAllocs proves parsing with a Decoder and marshaling into a
// buffer with room allocate nothing in steady state.
func TestZeroAllocs(t *testing.T) {
	sr := samples()[0]
	sdes := samples()[2]
	twcc := samples()[13]
	compound, err := Marshal(sr, sdes, twcc)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(Config{})
	buf := make([]byte, 0, 1500)
	allocs := testing.AllocsPerRun(100, func() {
		d.Reset(compound)
		for _, ok := d.Next(); ok; _, ok = d.Next() {
		}
		if d.Err() != nil {
			t.Fatal(d.Err())
		}
		var err error
		buf, err = AppendCompound(buf[:0], sr, sdes, twcc)
		if err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs", allocs)
	}
	var pkts []TWCCPacket
	tw := &d.TWCC
	allocs = testing.AllocsPerRun(100, func() { pkts = tw.Packets(pkts) })
	if allocs != 0 {
		t.Fatalf("Packets: %v allocs", allocs)
	}
}

// TestGarbage injects random and mutated packets through the Decoder: no
// panic, and every failure is counted.
func TestGarbage(t *testing.T) {
	valid, err := Marshal(samples()...)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	d := NewDecoder(Config{ReducedSize: true})
	fails := uint64(0)
	for i := 0; i < 5000; i++ {
		var b []byte
		if i%2 == 0 {
			b = make([]byte, r.IntN(200))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
		} else {
			b = append([]byte(nil), valid...)
			for k := 0; k < 3; k++ {
				b[r.IntN(len(b))] ^= byte(1 << r.IntN(8))
			}
			b = b[:r.IntN(len(b)+1)]
		}
		d.Reset(b)
		for _, ok := d.Next(); ok; _, ok = d.Next() {
		}
		if d.Err() != nil {
			fails++
		}
	}
	if st := d.Stats(); st.Malformed != fails || fails == 0 {
		t.Fatalf("stats %+v, %d failures", st, fails)
	}
}

func TestCCFBLimit(t *testing.T) {
	p := &CCFeedback{Blocks: []CCFBBlock{{Metrics: make([]CCFBMetric, MaxCCFBMetrics+1)}}}
	if _, err := Marshal(p); !errors.Is(err, ErrTooMany) {
		t.Fatalf("16385 metrics: %v", err)
	}
	p.Blocks[0].Metrics = p.Blocks[0].Metrics[:MaxCCFBMetrics]
	b, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	// Claim one more in num_reports than the limit: rejected on parse.
	b[14], b[15] = 0x40, 0x01 // num_reports of the first block
	var q CCFeedback
	if err := q.Unmarshal(b); !errors.Is(err, ErrTooMany) {
		t.Fatalf("parse: %v", err)
	}
}

// Every AppendTo refuses a packet whose length does not fit the 16-bit
// length field (RFC 3550 §6.4.1) instead of writing a truncated length.
func TestAppendRejectsOversizedPackets(t *testing.T) {
	big := make([]byte, maxPacketSize)
	items := []SDESItem{{Type: SDESNote, Text: big[:255]}}
	var chunks []SDESChunk
	for range 31 {
		chunks = append(chunks, SDESChunk{Source: 1, Items: items})
	}
	for name, p := range map[string]Packet{
		"SR":    &SenderReport{ProfileExtensions: big},
		"RR":    &ReceiverReport{ProfileExtensions: big},
		"APP":   &ApplicationDefined{Data: big},
		"RPSI":  &RPSI{BitString: big},
		"SLI":   &SLI{Entries: make([]SLIEntry, maxPacketSize/4)},
		"FIR":   &FIR{Entries: make([]FIREntry, maxPacketSize/8)},
		"TMMBR": &TMMBR{Entries: make([]TMMBEntry, maxPacketSize/8)},
		"TMMBN": &TMMBN{Entries: make([]TMMBEntry, maxPacketSize/8)},
		"NACK":  &NACK{Pairs: make([]NACKPair, maxPacketSize/4)},
		"XR":    &ExtendedReport{Blocks: []XRBlock{{Body: big[:4*0xffff]}, {Body: big[:4]}}},
	} {
		if p.MarshalSize() <= maxPacketSize {
			t.Fatalf("%s: test value not oversized (%d)", name, p.MarshalSize())
		}
		out, err := p.AppendTo([]byte{7})
		if !errors.Is(err, ErrTooMany) || len(out) != 1 {
			t.Errorf("%s: err %v, %d bytes", name, err, len(out))
		}
	}
	// SDES: 31 chunks of items, enough to pass 256 KiB.
	for i := range chunks {
		chunks[i].Items = make([]SDESItem, 40)
		for j := range chunks[i].Items {
			chunks[i].Items[j] = items[0]
		}
	}
	sd := &SourceDescription{Chunks: chunks}
	if sd.MarshalSize() <= maxPacketSize {
		t.Fatalf("SDES not oversized (%d)", sd.MarshalSize())
	}
	if out, err := sd.AppendTo(nil); !errors.Is(err, ErrTooMany) || len(out) != 0 {
		t.Errorf("SDES: err %v, %d bytes", err, len(out))
	}
}
