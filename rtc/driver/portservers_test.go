package driver

import (
	"encoding/binary"
	"testing"
)

// stunMessage builds a STUN message of type typ with the given attributes
// (type, value) and a fixed transaction ID.
func stunMessage(typ uint16, attrs ...any) []byte {
	b := stunRequest(attrs...)
	binary.BigEndian.PutUint16(b, typ)
	for i := range 12 {
		b[8+i] = byte(i + 1)
	}
	return b
}

// TestServerTraffic: the peeks that route ICE server traffic on a shared
// socket tell TURN from STUN, requests to a STUN server from ICE checks,
// and responses from the rest.
func TestServerTraffic(t *testing.T) {
	for _, tc := range []struct {
		name            string
		b               []byte
		turn, req, resp bool
	}{
		{"Allocate request", stunMessage(0x0003, 0x0019, "\x11\x00\x00\x00"), true, false, false},
		{"Refresh request", stunMessage(0x0004), true, false, false},
		{"CreatePermission", stunMessage(0x0008), true, false, false},
		{"ChannelBind success", stunMessage(0x0109), true, false, false},
		{"Send indication", stunMessage(0x0016), true, false, false},
		{"ChannelData", []byte{0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4}, true, false, false},
		{"Binding to a STUN server", stunMessage(0x0001, 0x8028, "\x00\x00\x00\x00"), false, true, false},
		{"ICE check", stunMessage(0x0001, 0x0006, "a:b"), false, false, false},
		{"Binding success", stunMessage(0x0101), false, false, true},
		{"Binding error", stunMessage(0x0111), false, false, true},
		{"Binding indication", stunMessage(0x0011), false, false, false},
		{"bad cookie", func() []byte { b := stunMessage(0x0101); b[4] = 0; return b }(), false, false, false},
		{"DTLS", []byte{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false, false, false},
		{"short", []byte{0, 1}, false, false, false},
	} {
		_, req := serverRequestID(tc.b)
		id, resp := responseID(tc.b)
		if got := isTURNUDP(tc.b); got != tc.turn || req != tc.req || resp != tc.resp {
			t.Errorf("%s: TURN %v, server request %v, response %v; want %v %v %v", tc.name, got, req, resp, tc.turn, tc.req, tc.resp)
		}
		if resp && id != [12]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} {
			t.Errorf("%s: id %x", tc.name, id)
		}
	}
}

// FuzzServerTraffic: the server-traffic peeks never panic, and a message
// is never both a server request and a response.
func FuzzServerTraffic(f *testing.F) {
	f.Add(stunMessage(0x0001))
	f.Add(stunMessage(0x0101))
	f.Add(stunMessage(0x0003, 0x0006, "u"))
	f.Add([]byte{0x40, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		isTURNUDP(b)
		_, req := serverRequestID(b)
		_, resp := responseID(b)
		if req && resp {
			t.Fatal("request and response")
		}
	})
}
