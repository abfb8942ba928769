package datachannel

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOpenRoundTrip(t *testing.T) {
	for _, o := range []openMessage{
		{typ: ChannelReliable, priority: 256, label: []byte("chat"), protocol: []byte("")},
		{typ: ChannelPartialReliableRexmitUnordered, priority: 128, reliability: 3, label: []byte(""), protocol: []byte("p")},
		{typ: ChannelPartialReliableTimed, priority: 1024, reliability: 1500, label: []byte("ünïcode"), protocol: []byte("x-proto")},
	} {
		b := o.appendTo(nil)
		var got openMessage
		if err := parseOpen(b, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(o, got, cmp.AllowUnexported(openMessage{})); diff != "" {
			t.Fatal(diff)
		}
		for n := range len(b) {
			if parseOpen(b[:n], &got) == nil {
				t.Fatalf("prefix %d parsed", n)
			}
		}
		if parseOpen(append(b, 0), &got) == nil {
			t.Fatal("trailing byte accepted")
		}
	}
	// RFC 8832 §5.1 byte layout.
	b := (&openMessage{typ: ChannelPartialReliableRexmit, priority: 0x0100, reliability: 5, label: []byte("a"), protocol: []byte("bc")}).appendTo(nil)
	want := []byte{0x03, 0x01, 0x01, 0x00, 0, 0, 0, 5, 0, 1, 0, 2, 'a', 'b', 'c'}
	if !cmp.Equal(b, want) {
		t.Fatalf("%x, want %x", b, want)
	}
	var o openMessage
	if parseOpen([]byte{0x03, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, &o) == nil {
		t.Fatal("invalid channel type accepted")
	}
}

func FuzzOpen(f *testing.F) {
	f.Add((&openMessage{typ: ChannelReliable, label: []byte("x")}).appendTo(nil))
	f.Add((&openMessage{typ: ChannelPartialReliableTimedUnordered, reliability: 9, protocol: []byte("p")}).appendTo(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o openMessage
		if parseOpen(b, &o) != nil {
			return
		}
		var o2 openMessage
		if err := parseOpen(o.appendTo(nil), &o2); err != nil || !cmp.Equal(o, o2, cmp.AllowUnexported(openMessage{})) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func TestExportedCodec(t *testing.T) {
	o := Open{Type: ChannelPartialReliableTimed, Priority: 512, Reliability: 300, Label: "l", Protocol: "p"}
	b := o.AppendTo(nil)
	if len(b) != o.MarshalSize() || b[0] != MessageTypeOpen {
		t.Fatalf("%x", b)
	}
	got, err := ParseOpen(b)
	if err != nil || got != o {
		t.Fatalf("%+v %v", got, err)
	}
	if a := AppendAck(nil); len(a) != 1 || a[0] != MessageTypeAck {
		t.Fatalf("%x", a)
	}
}
