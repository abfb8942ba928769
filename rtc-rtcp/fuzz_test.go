package rtcp

import (
	"reflect"
	"testing"
)

// roundTrip parses data as one packet of p's type; if that works, the value
// must marshal, and parsing the result must give the same value.
func roundTrip(t *testing.T, p Packet, fresh func() Packet, data []byte) {
	if err := p.Unmarshal(data); err != nil {
		return
	}
	b, err := p.AppendTo(nil)
	if err != nil {
		return // e.g. padding made a length that only the P bit allowed
	}
	if len(b) != p.MarshalSize() {
		t.Fatalf("%T: marshaled %d octets, MarshalSize %d", p, len(b), p.MarshalSize())
	}
	q := fresh()
	if err := q.Unmarshal(b); err != nil {
		t.Fatalf("%T: re-parse: %v\n%x", p, err, b)
	}
	r := fresh()
	if err := r.Unmarshal(data); err != nil { // p parsed the same bytes
		t.Fatalf("%T: second parse of the same input: %v", p, err)
	}
	if !reflect.DeepEqual(normalize(q), normalize(r)) {
		t.Fatalf("%T: round trip differs:\n%+v\n%+v", p, q, r)
	}
}

func seed(f *testing.F, kinds ...int) {
	for _, p := range samples() {
		b, err := Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		h, err := ParseHeader(b)
		if err != nil {
			f.Fatal(err)
		}
		k := kindOf(h, b)
		for _, want := range kinds {
			if k == want {
				f.Add(b)
			}
		}
	}
}

func fuzzKind(f *testing.F, kind int) {
	seed(f, kind)
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		fresh := func() Packet {
			var d Decoder
			return d.pickKind(kind)
		}
		roundTrip(t, d.pickKind(kind), fresh, data)
	})
}

func FuzzSenderReport(f *testing.F)      { fuzzKind(f, kindSR) }
func FuzzReceiverReport(f *testing.F)    { fuzzKind(f, kindRR) }
func FuzzSourceDescription(f *testing.F) { fuzzKind(f, kindSDES) }
func FuzzGoodbye(f *testing.F)           { fuzzKind(f, kindBYE) }
func FuzzApplicationDefined(f *testing.F) {
	fuzzKind(f, kindAPP)
}
func FuzzNACK(f *testing.F)           { fuzzKind(f, kindNACK) }
func FuzzTMMBR(f *testing.F)          { fuzzKind(f, kindTMMBR) }
func FuzzTMMBN(f *testing.F)          { fuzzKind(f, kindTMMBN) }
func FuzzTransportCC(f *testing.F)    { fuzzKind(f, kindTWCC) }
func FuzzCCFeedback(f *testing.F)     { fuzzKind(f, kindCCFB) }
func FuzzPLI(f *testing.F)            { fuzzKind(f, kindPLI) }
func FuzzSLI(f *testing.F)            { fuzzKind(f, kindSLI) }
func FuzzFIR(f *testing.F)            { fuzzKind(f, kindFIR) }
func FuzzREMB(f *testing.F)           { fuzzKind(f, kindREMB) }
func FuzzExtendedReport(f *testing.F) { fuzzKind(f, kindXR) }
func FuzzRPSI(f *testing.F)           { fuzzKind(f, kindRPSI) }
func FuzzRawPacket(f *testing.F)      { fuzzKind(f, kindRaw) }

// FuzzCompound runs whole compound packets through the Reader, Decoder and
// Unmarshal: no panic, and what Unmarshal accepts marshals back into
// something that parses to the same values.
func FuzzCompound(f *testing.F) {
	all, err := Marshal(samples()...)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(all)
	sr, err := Marshal(samples()[0], samples()[2])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sr)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Reduced-size validation only relaxes the full one.
		if Validate(data, false) == nil && Validate(data, true) != nil {
			t.Fatal("valid as full RTCP but not as reduced-size")
		}
		d := NewDecoder(Config{ReducedSize: true})
		d.Reset(data)
		for _, ok := d.Next(); ok; _, ok = d.Next() {
		}
		ps, err := Unmarshal(data)
		if err != nil {
			return
		}
		b, err := Marshal(ps...)
		if err != nil {
			return
		}
		qs, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if len(qs) != len(ps) {
			t.Fatalf("%d packets, then %d", len(ps), len(qs))
		}
		for i := range ps {
			if !reflect.DeepEqual(normalize(ps[i]), normalize(qs[i])) {
				t.Fatalf("packet %d differs", i)
			}
		}
	})
}
