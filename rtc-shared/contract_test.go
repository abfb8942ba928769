package shared

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestClock(t *testing.T) {
	var c Clock
	if !c.Now().IsZero() {
		t.Fatal("zero clock")
	}
	if got := c.Advance(t0); !got.Equal(t0) {
		t.Fatal("first Advance")
	}
	if got := c.Advance(t0.Add(-time.Second)); !got.Equal(t0) || !c.Now().Equal(t0) {
		t.Fatal("time moved backwards")
	}
	c.Advance(t0.Add(time.Second))
	if !c.Now().Equal(t0.Add(time.Second)) {
		t.Fatal("time did not move forward")
	}
	if got := c.Clamp(t0); !got.Equal(c.Now()) {
		t.Fatal("past deadline not clamped to now")
	}
	if got := c.Clamp(t0.Add(time.Hour)); !got.Equal(t0.Add(time.Hour)) {
		t.Fatal("future deadline changed")
	}
	if !c.Clamp(time.Time{}).IsZero() {
		t.Fatal("zero deadline changed")
	}
}

func TestEarliest(t *testing.T) {
	a, b := t0, t0.Add(time.Second)
	var z time.Time
	for _, c := range []struct{ x, y, want time.Time }{
		{a, b, a}, {b, a, a}, {z, b, b}, {a, z, a}, {z, z, z}, {a, a, a},
	} {
		if got := Earliest(c.x, c.y); !got.Equal(c.want) {
			t.Errorf("Earliest(%v, %v) = %v", c.x, c.y, got)
		}
	}
}

func TestTransportContext(t *testing.T) {
	tc := TransportContext{
		Local: netip.MustParseAddrPort("192.0.2.1:5000"),
		Peer:  netip.MustParseAddrPort("[2001:db8::1]:6000"),
		ECN:   ECNECT0,
	}
	if got := tc.String(); got != "UDP 192.0.2.1:5000->[2001:db8::1]:6000" {
		t.Fatalf("String = %q", got)
	}
	r := tc.Reverse()
	if r.Local != tc.Peer || r.Peer != tc.Local || r.ECN != tc.ECN || r.Reverse() != tc {
		t.Fatal("Reverse")
	}
	for p, want := range map[TransportProtocol]string{UDP: "UDP", TCP: "TCP", 9: "TransportProtocol(9)"} {
		if p.String() != want {
			t.Errorf("%d: %q", p, p.String())
		}
	}
	for e, want := range map[ECN]string{ECNNotECT: "Not-ECT", ECNECT1: "ECT(1)", ECNECT0: "ECT(0)", ECNCE: "CE", 7: "ECN(7)"} {
		if e.String() != want {
			t.Errorf("%d: %q", e, e.String())
		}
	}
}

func TestParseError(t *testing.T) {
	err := error(&ParseError{Layer: "stun", Type: "XOR-MAPPED-ADDRESS", Offset: 20, Err: ErrTruncated})
	if err.Error() != "stun: parse XOR-MAPPED-ADDRESS at offset 20: shared: truncated input" {
		t.Fatalf("%q", err.Error())
	}
	if !errors.Is(err, ErrTruncated) {
		t.Fatal("Unwrap")
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Offset != 20 {
		t.Fatal("As")
	}
	if (&ParseError{Layer: "x", Type: "y"}).Error() != "x: parse y at offset 0" {
		t.Fatal("no reason")
	}
}

// wireOnly checks at compile time that a Protocol is a Wire.
var _ Wire = Protocol[int, int, int, int](nil)
